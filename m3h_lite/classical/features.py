"""Features per modality for classical models, as scikit-learn transformers.

Each transformer turns one modality of a :class:`~m3h_lite.hospital.cohort.Cohort` into a
dense numeric matrix, learning everything it needs (medians, scales, vocabulary, principal
components) from the training patients only, so nothing leaks from the test set:

* :class:`TabularFeatures` — impute the median plus missing-value indicators, log the
  skewed labs, scale, and one-hot encode demographics;
* :class:`TimeSeriesFeatures` — summary statistics per vital-sign channel in the manner of
  HAIM (Soenksen et al. 2022): extremes, mean, spread, first and last value, trend, and
  beat-to-beat variability;
* :class:`NoteFeatures` — TF-IDF of words, with negated findings marked so that
  "denies chest pain" is not read as chest pain (word pairs and SVD optional);
* :class:`ImageFeatures` — downsampled pixels compressed with PCA.

:class:`ModalityFeatures` stacks any chosen set of them side by side (early fusion) and
remembers which columns came from which modality. Every transformer accepts either a
cohort or the raw modality (a DataFrame, an array, a list of notes).
Introduced in notebook 02.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA, TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils.validation import check_is_fitted

from ..hospital.cohort import Cohort
from ..hospital.config import MODALITIES
from ..validation import Flag, Interval, NoneOr, as_name_list, validate

__all__ = [
    "ImageFeatures",
    "ModalityFeatures",
    "NoteFeatures",
    "TabularFeatures",
    "TimeSeriesFeatures",
    "mark_negations",
    "modality_data",
]


def _check_modality(name: str) -> str:
    if name not in MODALITIES:
        raise ValueError(f"Unknown modality {name!r}; choose from {list(MODALITIES)}.")
    return name


def modality_data(data, modality: str):
    """The raw data of one modality: from a cohort, or checked as given.

    Parameters
    ----------
    data : a :class:`Cohort`, or the modality itself (tabular DataFrame, time-series array
        ``(patients, hours, channels)``, notes as strings, images ``(patients, h, w)``).
    modality : one of ``MODALITIES``.
    """
    _check_modality(modality)
    if isinstance(data, Cohort):
        return getattr(data, modality)
    if modality == "tabular":
        if not isinstance(data, pd.DataFrame):
            raise TypeError(
                f"Tabular data must be a pandas DataFrame (cohort.tabular), got {type(data).__name__}."
            )
        return data
    if modality == "notes":
        if isinstance(data, str):
            raise TypeError("Notes must be a sequence of strings, one per patient, not one string.")
        notes = pd.Series(list(data) if not isinstance(data, pd.Series) else data)
        bad = [i for i, note in enumerate(notes) if not isinstance(note, str)]
        if bad:
            raise TypeError(
                f"Every note must be a string; entries at positions {bad[:5]} are not "
                "(a missing note? use an empty string)."
            )
        return notes
    array = np.asarray(data)
    if array.ndim != 3:
        shape = "(patients, hours, channels)" if modality == "timeseries" else "(patients, h, w)"
        raise ValueError(f"{modality} must be an array of shape {shape}, got shape {array.shape}.")
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{modality} must be numeric, got dtype {array.dtype}.")
    if not np.isfinite(array).all():
        raise ValueError(
            f"{modality} contains NaN or infinite values; this modality has no gaps by design "
            "(impute them before computing features)."
        )
    return array


class _CohortTransformer(TransformerMixin, BaseEstimator):
    """Shared plumbing: accept a cohort or the raw modality; remember the fitted width."""

    modality: str = ""

    def _data(self, data):
        return modality_data(data, self.modality)

    @staticmethod
    def _as_float(features: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(features, dtype=np.float64)


# ----------------------------------------------------------------------------------------
# tabular
# ----------------------------------------------------------------------------------------


class TabularFeatures(_CohortTransformer):
    """Admission vitals, labs and demographics as scaled numbers.

    Parameters
    ----------
    categorical : demographic columns one-hot encoded. The default leaves out
        ``race_ethnicity`` (and ``site``) on purpose: race is not a cause of any disease in
        the synthetic hospital, and a model given it can learn the planted
        *underdiagnosis* of recorded labels (notebook 08) instead of medicine. Add it to
        study that effect; the choice is ethical as much as technical.
    log_skew : labs whose training skewness exceeds this are log-transformed first
        (creatinine, CRP, troponin, ...: right-skewed, as in real laboratories).

    Missing labs become the training median plus a 0/1 "was missing" indicator, because
    whether a lab was ordered is itself informative (and, for some groups, biased).
    """

    modality = "tabular"

    def __init__(
        self,
        *,
        categorical: Sequence[str] = ("sex", "insurance"),
        log_skew: float = 1.0,
    ):
        self.categorical = categorical
        self.log_skew = log_skew

    def fit(self, data, y=None):
        validate("TabularFeatures", {"log_skew": self.log_skew}, {"log_skew": Interval(float)})
        table = self._data(data)
        categorical = as_name_list(
            self.categorical, owner="TabularFeatures", name="categorical", allow_empty=True
        )
        missing = [c for c in categorical if c not in table]
        if missing:
            raise KeyError(f"Categorical column(s) {missing} not in the tabular data.")
        numeric = [
            c
            for c in table.columns
            if c not in categorical and pd.api.types.is_numeric_dtype(table[c])
        ]
        values = table[numeric]
        skew = values.skew()
        self.log_columns_ = [c for c in numeric if skew[c] > self.log_skew and values[c].min() > 0]
        self.numeric_columns_ = numeric
        self.categorical_columns_ = categorical
        self._pipeline = ColumnTransformer(
            [
                (
                    "numeric",
                    make_pipeline(
                        SimpleImputer(strategy="median", add_indicator=True),
                        StandardScaler(),
                    ),
                    numeric,
                ),
                (
                    "categorical",
                    OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                    categorical,
                ),
            ]
        )
        self._pipeline.fit(self._logged(table))
        return self

    def _logged(self, table: pd.DataFrame) -> pd.DataFrame:
        table = table.copy()
        for column in self.log_columns_:
            table[column] = np.log(table[column])
        return table

    def transform(self, data) -> np.ndarray:
        check_is_fitted(self, "numeric_columns_")
        table = self._data(data)
        missing = [c for c in self.numeric_columns_ + self.categorical_columns_ if c not in table]
        if missing:
            raise KeyError(f"Column(s) {missing} seen in fit are missing from the tabular data.")
        return self._as_float(self._pipeline.transform(self._logged(table)))

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self, "numeric_columns_")
        names = self._pipeline.get_feature_names_out()
        return np.array([n.split("__", 1)[1] for n in names], dtype=object)


# ----------------------------------------------------------------------------------------
# time series
# ----------------------------------------------------------------------------------------

SERIES_STATISTICS: tuple[str, ...] = (
    "mean",
    "std",
    "min",
    "max",
    "first",
    "last",
    "slope",
    "mean_abs_diff",
)
"""Summary statistics per channel (HAIM used 11; these 8 cover level, spread and change)."""


def _series_statistics(series: np.ndarray) -> np.ndarray:
    """(patients, hours, channels) -> (patients, channels * len(SERIES_STATISTICS))."""
    x = series.astype(np.float64)
    hours = x.shape[1]
    t = np.arange(hours, dtype=np.float64) - (hours - 1) / 2
    slope = np.einsum("h,nhc->nc", t, x) / max((t**2).sum(), 1e-12)
    diffs = np.abs(np.diff(x, axis=1)).mean(axis=1) if hours > 1 else np.zeros(x[:, 0].shape)
    stats = [x.mean(1), x.std(1), x.min(1), x.max(1), x[:, 0], x[:, -1], slope * hours, diffs]
    return np.stack(stats, axis=2).reshape(len(x), -1)


class TimeSeriesFeatures(_CohortTransformer):
    """HAIM-style summary statistics of each hourly vital-sign channel, then scaled.

    Per channel: mean, standard deviation, minimum, maximum, first and last value, slope
    (change over the window, from a least-squares line) and the mean absolute successive
    difference (beat-to-beat variability: an irregular heart rate, as in atrial
    fibrillation, shows here and barely in the mean).
    """

    modality = "timeseries"

    def __init__(self, *, channels: Sequence[str] | None = None):
        self.channels = channels

    def fit(self, data, y=None):
        series = self._data(data)
        names = (
            list(data.timeseries_channels)
            if isinstance(data, Cohort)
            else [f"channel{c}" for c in range(series.shape[2])]
        )
        self.n_hours_, self.n_channels_ = series.shape[1], series.shape[2]
        self.channels_ = list(self.channels) if self.channels is not None else names
        if len(self.channels_) != self.n_channels_:
            raise ValueError(
                f"{len(self.channels_)} channel names for {self.n_channels_} channels."
            )
        self._scaler = StandardScaler().fit(_series_statistics(series))
        return self

    def transform(self, data) -> np.ndarray:
        check_is_fitted(self, "n_channels_")
        series = self._data(data)
        if series.shape[2] != self.n_channels_:
            raise ValueError(
                f"Expected {self.n_channels_} channels as in fit, got {series.shape[2]}."
            )
        return self._as_float(self._scaler.transform(_series_statistics(series)))

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self, "n_channels_")
        return np.array(
            [f"{c}_{s}" for c in self.channels_ for s in SERIES_STATISTICS], dtype=object
        )


# ----------------------------------------------------------------------------------------
# notes
# ----------------------------------------------------------------------------------------

_NEGATION = re.compile(r"\b(denies|no)\b([^.]*)", flags=re.IGNORECASE)


def mark_negations(text: str) -> str:
    """Prefix every word in the scope of a negation with ``no_`` (a tiny NegEx).

    The scope runs from "no" or "denies" to the end of the sentence:
    ``"Denies fever or chills."`` becomes ``"Denies no_fever no_or no_chills."``, so a
    bag-of-words model can tell a present symptom from an absent one.
    """

    if not isinstance(text, str):
        raise TypeError(f"mark_negations: text must be a string (one note), got {text!r}.")

    def negate(match: re.Match) -> str:
        words = re.sub(r"([\w/-]+)", r"no_\1", match.group(2))
        return match.group(1) + words

    return _NEGATION.sub(negate, text)


def _preprocess(text: str) -> str:
    return mark_negations(text.lower())


class NoteFeatures(_CohortTransformer):
    """TF-IDF of the admission note, negations marked, optionally compressed by SVD.

    Parameters
    ----------
    negation : mark negated words (``"denies cough"`` -> ``no_cough``), see
        :func:`mark_negations`.
    ngram_range : word n-grams; ``(1, 2)`` adds word pairs, which is how a plain bag of
        words sees the first negated item ("no chest"), but not the rest of a list.
    min_df : ignore terms in fewer training notes than this.
    n_components : truncated-SVD dimensions kept (``None``: the full TF-IDF, dense).
    seed : seed of the randomised SVD.

    The defaults (single words with negation marking, about 120 terms) read the latent
    neurological factor from the notes better than word pairs without marking (about 1,100
    terms) or an SVD of them, on the synthetic hospital: fewer, cleaner features.
    """

    modality = "notes"

    def __init__(
        self,
        *,
        negation: bool = True,
        ngram_range: tuple[int, int] = (1, 1),
        min_df: int = 5,
        n_components: int | None = None,
        seed: int = 0,
    ):
        self.negation = negation
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.n_components = n_components
        self.seed = seed

    def fit(self, data, y=None):
        validate(
            "NoteFeatures",
            {
                "negation": self.negation,
                "min_df": self.min_df,
                "n_components": self.n_components,
                "seed": self.seed,
            },
            {
                "negation": Flag(),
                "min_df": Interval(int, 1, None),
                "n_components": NoneOr(Interval(int, 1, None)),
                "seed": Interval(int, 0, None),
            },
        )
        notes = self._data(data)
        self._vectorizer = TfidfVectorizer(
            preprocessor=_preprocess if self.negation else None,
            ngram_range=tuple(self.ngram_range),
            min_df=self.min_df,
            sublinear_tf=True,
            token_pattern=r"(?u)\b[a-z_/]{2,}\b" if self.negation else r"(?u)\b[a-zA-Z/]{2,}\b",
        )
        tfidf = self._vectorizer.fit_transform(notes)
        self.vocabulary_size_ = tfidf.shape[1]
        self._svd = None
        if self.n_components is not None and self.n_components < self.vocabulary_size_:
            self._svd = TruncatedSVD(self.n_components, random_state=self.seed).fit(tfidf)
            reduced = self._svd.transform(tfidf)
        else:
            reduced = tfidf.toarray()
        self._scaler = StandardScaler().fit(reduced)
        return self

    def transform(self, data) -> np.ndarray:
        check_is_fitted(self, "vocabulary_size_")
        tfidf = self._vectorizer.transform(self._data(data))
        reduced = self._svd.transform(tfidf) if self._svd is not None else tfidf.toarray()
        return self._as_float(self._scaler.transform(reduced))

    def terms(self) -> np.ndarray:
        """The vocabulary (words and word pairs) learned from the training notes."""
        check_is_fitted(self, "vocabulary_size_")
        return self._vectorizer.get_feature_names_out()

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self, "vocabulary_size_")
        if self._svd is None:
            return np.array([f"tfidf_{t}" for t in self.terms()], dtype=object)
        return np.array([f"note_svd{i}" for i in range(self._svd.n_components)], dtype=object)


# ----------------------------------------------------------------------------------------
# images
# ----------------------------------------------------------------------------------------


def _downsample(images: np.ndarray, factor: int) -> np.ndarray:
    n, h, w = images.shape
    if h % factor or w % factor:
        raise ValueError(f"Image size {h}x{w} is not divisible by the downsampling {factor}.")
    # float64: PCA of float32 pixels differs by 1e-6 between BLAS kernels and batch sizes.
    blocks = images.astype(np.float64).reshape(n, h // factor, factor, w // factor, factor)
    return blocks.mean(axis=(2, 4))


class ImageFeatures(_CohortTransformer):
    """Chest images as block-averaged pixels compressed by PCA ("eigen-X-rays").

    Parameters
    ----------
    downsample : average ``downsample x downsample`` pixel blocks first (noise drops, size
        shrinks: a 32x32 image becomes 16x16 = 256 numbers).
    n_components : principal components kept (``None``: all downsampled pixels, scaled).
    seed : seed of the randomised PCA solver.

    A linear model on these features sees global shape (heart size, lung fields,
    effusions) well and small, randomly placed findings less well; a CNN (notebook 04)
    learns them better.
    """

    modality = "images"

    def __init__(self, *, downsample: int = 2, n_components: int | None = 32, seed: int = 0):
        self.downsample = downsample
        self.n_components = n_components
        self.seed = seed

    def fit(self, data, y=None):
        validate(
            "ImageFeatures",
            {"downsample": self.downsample, "n_components": self.n_components, "seed": self.seed},
            {
                "downsample": Interval(int, 1, None),
                "n_components": NoneOr(Interval(int, 1, None)),
                "seed": Interval(int, 0, None),
            },
        )
        images = self._data(data)
        self.image_shape_ = images.shape[1:]
        pixels = _downsample(images, self.downsample).reshape(len(images), -1)
        steps = [StandardScaler()]
        if self.n_components is not None:
            steps.append(PCA(self.n_components, whiten=True, random_state=self.seed))
        self._pipeline = make_pipeline(*steps).fit(pixels)
        return self

    def transform(self, data) -> np.ndarray:
        check_is_fitted(self, "image_shape_")
        images = self._data(data)
        if images.shape[1:] != self.image_shape_:
            raise ValueError(f"Images are {images.shape[1:]}, but fit saw {self.image_shape_}.")
        pixels = _downsample(images, self.downsample).reshape(len(images), -1)
        return self._as_float(self._pipeline.transform(pixels))

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self, "image_shape_")
        width = self._pipeline[-1].n_components_ if self.n_components else None
        if width is None:
            width = self._pipeline[0].n_features_in_
            return np.array([f"pixel{i}" for i in range(width)], dtype=object)
        return np.array([f"image_pc{i}" for i in range(width)], dtype=object)


# ----------------------------------------------------------------------------------------
# several modalities side by side
# ----------------------------------------------------------------------------------------

TRANSFORMERS = {
    "tabular": TabularFeatures,
    "timeseries": TimeSeriesFeatures,
    "notes": NoteFeatures,
    "images": ImageFeatures,
}


class ModalityFeatures(TransformerMixin, BaseEstimator):
    """Features of several modalities concatenated: the input of early fusion.

    Parameters
    ----------
    modalities : which of ``MODALITIES`` to use, in this order.
    options : optional per-modality keyword arguments, e.g.
        ``{"notes": {"n_components": 32}}``.

    After ``fit``, ``blocks_`` maps each modality to its column slice, so a model on any
    subset of modalities can reuse one transformed matrix (:meth:`columns`).
    """

    def __init__(
        self,
        *,
        modalities: Sequence[str] = MODALITIES,
        options: dict[str, dict] | None = None,
    ):
        self.modalities = modalities
        self.options = options

    def _checked(self) -> list[str]:
        modalities = [self.modalities] if isinstance(self.modalities, str) else self.modalities
        modalities = [_check_modality(m) for m in modalities]
        if not modalities:
            raise ValueError("Choose at least one modality.")
        if len(set(modalities)) != len(modalities):
            raise ValueError(f"Modalities repeat: {modalities}.")
        unknown = set(self.options or {}) - set(modalities)
        if unknown:
            raise ValueError(f"Options given for modalities not used: {sorted(unknown)}.")
        return modalities

    def fit(self, cohort: Cohort, y=None):
        if not isinstance(cohort, Cohort):
            raise TypeError(
                f"ModalityFeatures needs a Cohort (several modalities), got {type(cohort).__name__}."
            )
        modalities = self._checked()
        options = self.options or {}
        self.transformers_ = {m: TRANSFORMERS[m](**options.get(m, {})) for m in modalities}
        self.blocks_ = {}
        start = 0
        for m, transformer in self.transformers_.items():
            width = transformer.fit(cohort).transform(cohort).shape[1]
            self.blocks_[m] = slice(start, start + width)
            start += width
        self.n_features_out_ = start
        return self

    def transform(self, cohort: Cohort) -> np.ndarray:
        check_is_fitted(self, "transformers_")
        if not isinstance(cohort, Cohort):
            raise TypeError(f"Expected a Cohort, got {type(cohort).__name__}.")
        return np.hstack([t.transform(cohort) for t in self.transformers_.values()])

    def columns(self, modalities: Sequence[str]) -> np.ndarray:
        """Column positions of some of the fitted modalities in the transformed matrix."""
        check_is_fitted(self, "transformers_")
        modalities = [modalities] if isinstance(modalities, str) else list(modalities)
        missing = [m for m in modalities if m not in self.blocks_]
        if missing:
            raise ValueError(f"Modalities {missing} were not fitted; fitted: {list(self.blocks_)}.")
        return np.concatenate(
            [np.arange(self.blocks_[m].start, self.blocks_[m].stop) for m in modalities]
        )

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        check_is_fitted(self, "transformers_")
        return np.concatenate(
            [
                np.array([f"{m}:{n}" for n in t.get_feature_names_out()], dtype=object)
                for m, t in self.transformers_.items()
            ]
        )
