"""Learned encoders: one small torch network per modality, each giving a fixed-size embedding.

Two parts, kept apart on purpose:

* :class:`ModalityPreprocessor` turns a :class:`~m3h_lite.hospital.cohort.Cohort` into
  numeric arrays, with every statistic (medians, scales, the note vocabulary) fitted on the
  training patients only, so nothing leaks from validation or test patients.
* ``TabularEncoder``, ``TimeseriesEncoder``, ``NotesEncoder`` and ``ImageEncoder`` map
  those arrays to an ``embed_dim`` vector: an MLP, a 1-D convolution over the hours, a
  bag-of-words embedding, and a small CNN.

In the manner of HAIM (Soenksen et al. 2022) each modality is embedded separately and the
embeddings are concatenated (fused) downstream. The M3H model (notebook 04) trains them
end to end. Introduced in notebook 04.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import torch
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import CountVectorizer
from torch import nn

from ..hospital.cohort import Cohort
from ..hospital.config import MODALITIES

DEMOGRAPHIC_INPUTS: tuple[str, ...] = ("age", "sex")
"""Demographics used as model inputs. Race, insurance and site are left out on purpose:
they are not causes of disease in the generator, and notebooks 08-10 study how a model
can still learn them from the other modalities."""


def check_modalities(modalities: Any) -> tuple[str, ...]:
    """Validate modality names (a string or a sequence of them)."""
    if isinstance(modalities, Mapping) or not isinstance(modalities, (str, Iterable)):
        raise TypeError(
            f"modalities must be a list of names from {MODALITIES} (or one name), "
            f"got {modalities!r}."
        )
    modalities = (modalities,) if isinstance(modalities, str) else tuple(modalities)
    if not modalities:
        raise ValueError(f"Choose at least one modality from {MODALITIES}.")
    unknown = [m for m in modalities if m not in MODALITIES]
    if unknown:
        raise ValueError(f"Unknown modality name(s) {unknown}; choose from {MODALITIES}.")
    if len(set(modalities)) != len(modalities):
        raise ValueError(f"Modalities are listed twice: {modalities}.")
    return modalities


class ModalityPreprocessor:
    """Fit-on-training preprocessing of each modality into float32 arrays.

    * tabular: age and sex, then every vital/lab: log for skewed labs, median imputation,
      standardisation and a missing-indicator per column that is ever missing in training;
    * timeseries: per-channel standardisation (training mean and SD);
    * notes: binary bag of words and word pairs (so "no cough" differs from "cough") over
      a vocabulary fitted on the training notes (``min_df`` documents);
    * images: scaled to [0, 1], centred by the training mean and SD, optionally
      average-pooled by ``image_pool`` to make the CNN cheaper.

    Introduced in notebook 04.
    """

    def __init__(
        self,
        *,
        modalities: tuple[str, ...] = MODALITIES,
        min_df: int = 5,
        image_pool: int = 1,
    ):
        self.modalities = check_modalities(modalities)
        self.min_df = min_df
        self.image_pool = image_pool
        self.state_: dict[str, Any] | None = None

    # -- fitting -------------------------------------------------------------------------
    def fit(self, cohort: Cohort) -> ModalityPreprocessor:
        """Learn every statistic from the (training) cohort."""
        state: dict[str, Any] = {
            "modalities": list(self.modalities),
            "min_df": self.min_df,
            "image_pool": self.image_pool,
        }
        if "tabular" in self.modalities:
            columns = list(cohort.measurement_columns)
            raw = cohort.tabular[columns].to_numpy(dtype=float)
            positive = np.nanmin(raw, axis=0) > 0
            skew = _skewness(raw)
            log_columns = [
                c for c, p, s in zip(columns, positive, skew, strict=True) if p and s > 1
            ]
            values = self._log(cohort.tabular[columns].to_numpy(dtype=float), columns, log_columns)
            missing = np.isnan(values).any(axis=0)
            medians = np.nanmedian(values, axis=0)
            filled = np.where(np.isnan(values), medians, values)
            state["tabular"] = {
                "columns": columns,
                "log_columns": log_columns,
                "medians": medians.tolist(),
                "means": filled.mean(axis=0).tolist(),
                "scales": _safe_std(filled).tolist(),
                "indicator_columns": [c for c, m in zip(columns, missing, strict=True) if m],
                "age_mean": float(cohort.tabular["age"].mean()),
                "age_scale": float(cohort.tabular["age"].std() or 1.0),
            }
        if "timeseries" in self.modalities:
            series = _check_finite(cohort.timeseries, "cohort.timeseries")
            state["timeseries"] = {
                "channels": list(cohort.timeseries_channels),
                "hours": int(series.shape[1]),
                "means": series.mean(axis=(0, 1)).tolist(),
                "scales": _safe_std(series.reshape(-1, series.shape[2])).tolist(),
            }
        if "notes" in self.modalities:
            vectorizer = CountVectorizer(binary=True, ngram_range=(1, 2), min_df=self.min_df)
            vectorizer.fit(cohort.notes.astype(str))
            state["notes"] = {"vocabulary": sorted(vectorizer.vocabulary_)}
        if "images" in self.modalities:
            images = self._pool(_check_finite(cohort.images, "cohort.images") / 255.0)
            state["images"] = {
                "size": list(cohort.images.shape[1:]),
                "mean": float(images.mean()),
                "scale": float(images.std() or 1.0),
            }
        self.state_ = state
        return self

    # -- transforming --------------------------------------------------------------------
    def transform(self, cohort: Cohort) -> dict[str, np.ndarray]:
        """Arrays per modality, float32, one row per patient."""
        if self.state_ is None:
            raise NotFittedError("Call fit(training_cohort) before transform().")
        self.check_compatible(cohort)
        out: dict[str, np.ndarray] = {}
        if "tabular" in self.modalities:
            out["tabular"] = self._tabular(cohort)
        if "timeseries" in self.modalities:
            st = self.state_["timeseries"]
            series = _check_finite(cohort.timeseries, "cohort.timeseries")
            scaled = (series - np.array(st["means"])) / np.array(st["scales"])
            out["timeseries"] = scaled.transpose(0, 2, 1).astype(np.float32)  # (n, C, hours)
        if "notes" in self.modalities:
            vocabulary = self.state_["notes"]["vocabulary"]
            vectorizer = CountVectorizer(
                binary=True,
                ngram_range=(1, 2),
                vocabulary={w: i for i, w in enumerate(vocabulary)},
            )
            out["notes"] = vectorizer.transform(cohort.notes.astype(str)).toarray()
            out["notes"] = out["notes"].astype(np.float32)
        if "images" in self.modalities:
            si = self.state_["images"]
            images = self._pool(_check_finite(cohort.images, "cohort.images") / 255.0)
            out["images"] = ((images - si["mean"]) / si["scale"])[:, None].astype(np.float32)
        return out

    def fit_transform(self, cohort: Cohort) -> dict[str, np.ndarray]:
        return self.fit(cohort).transform(cohort)

    def check_compatible(self, cohort: Cohort) -> None:
        """Refuse a cohort whose modalities differ in shape from the training cohort."""
        st = self.state_
        if "tabular" in self.modalities:
            missing = [c for c in st["tabular"]["columns"] if c not in cohort.tabular]
            missing += [c for c in DEMOGRAPHIC_INPUTS if c not in cohort.tabular]
            if missing:
                raise ValueError(
                    f"This cohort lacks the tabular column(s) {missing} the model was fitted "
                    "on. Predict on a cohort from the same generator version."
                )
        if "timeseries" in self.modalities:
            channels = list(cohort.timeseries_channels)
            hours = cohort.timeseries.shape[1]
            if channels != st["timeseries"]["channels"] or hours != st["timeseries"]["hours"]:
                raise ValueError(
                    f"Vital-sign series differ from training: {hours} h x {channels} here, "
                    f"{st['timeseries']['hours']} h x {st['timeseries']['channels']} at fit. "
                    "Generate the cohort with the same n_hours."
                )
        if "images" in self.modalities:
            size = list(cohort.images.shape[1:])
            if size != st["images"]["size"]:
                raise ValueError(
                    f"Images are {size[0]}x{size[1]} but the model was fitted on "
                    f"{st['images']['size'][0]}x{st['images']['size'][1]}. "
                    "Generate the cohort with the same image_size."
                )
        if "notes" in self.modalities and cohort.notes.isna().any():
            raise ValueError("Some notes are missing (NaN); every patient needs a note string.")

    def input_shapes(self) -> dict[str, tuple[int, ...]]:
        """Shape of one patient's array per modality (what the encoders are built for)."""
        st = self.state_
        shapes: dict[str, tuple[int, ...]] = {}
        if "tabular" in self.modalities:
            t = st["tabular"]
            shapes["tabular"] = (2 + len(t["columns"]) + len(t["indicator_columns"]),)
        if "timeseries" in self.modalities:
            shapes["timeseries"] = (len(st["timeseries"]["channels"]), st["timeseries"]["hours"])
        if "notes" in self.modalities:
            shapes["notes"] = (len(st["notes"]["vocabulary"]),)
        if "images" in self.modalities:
            h, w = st["images"]["size"]
            shapes["images"] = (1, h // self.image_pool, w // self.image_pool)
        return shapes

    # -- (de)serialisation ---------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        if self.state_ is None:
            raise RuntimeError("Nothing to save: the preprocessor is not fitted.")
        return self.state_

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> ModalityPreprocessor:
        obj = cls(
            modalities=tuple(state["modalities"]),
            min_df=state["min_df"],
            image_pool=state["image_pool"],
        )
        obj.state_ = state
        return obj

    # -- helpers -------------------------------------------------------------------------
    @staticmethod
    def _log(values: np.ndarray, columns: list[str], log_columns: list[str]) -> np.ndarray:
        values = values.copy()
        for j, c in enumerate(columns):
            if c in log_columns:
                values[:, j] = np.log(np.clip(values[:, j], 1e-6, None))
        return values

    def _tabular(self, cohort: Cohort) -> np.ndarray:
        t = self.state_["tabular"]
        columns = t["columns"]
        values = self._log(cohort.tabular[columns].to_numpy(dtype=float), columns, t["log_columns"])
        isnan = np.isnan(values)
        filled = np.where(isnan, np.array(t["medians"]), values)
        scaled = (filled - np.array(t["means"])) / np.array(t["scales"])
        index = [columns.index(c) for c in t["indicator_columns"]]
        age = (cohort.tabular["age"].to_numpy(dtype=float) - t["age_mean"]) / t["age_scale"]
        female = (cohort.tabular["sex"].astype(str).to_numpy() == "F").astype(float)
        parts = [age[:, None], female[:, None], scaled, isnan[:, index].astype(float)]
        return np.concatenate(parts, axis=1).astype(np.float32)

    def _pool(self, images: np.ndarray) -> np.ndarray:
        k = self.image_pool
        if k == 1:
            return images
        n, h, w = images.shape
        return images[:, : h - h % k, : w - w % k].reshape(n, h // k, k, w // k, k).mean((2, 4))


def _check_finite(array: np.ndarray, what: str) -> np.ndarray:
    array = np.asarray(array, dtype=float)
    if not np.isfinite(array).all():
        raise ValueError(
            f"{what} contains NaN or infinite values; the encoders need complete arrays "
            "(impute or drop those patients first)."
        )
    return array


def _safe_std(values: np.ndarray) -> np.ndarray:
    std = np.nanstd(values, axis=0)
    return np.where(std > 1e-8, std, 1.0)


def _skewness(values: np.ndarray) -> np.ndarray:
    centred = values - np.nanmean(values, axis=0)
    sd = np.nanstd(values, axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    return np.nanmean(centred**3, axis=0) / sd**3


# -- the encoders ---------------------------------------------------------------------------


class TabularEncoder(nn.Module):
    """Two-layer MLP over the preprocessed tabular row. Introduced in notebook 04."""

    def __init__(self, n_inputs: int, embed_dim: int):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(n_inputs, 2 * embed_dim),
            nn.ReLU(),
            nn.Linear(2 * embed_dim, embed_dim),
            nn.ReLU(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class TimeseriesEncoder(nn.Module):
    """1-D convolutions over the hours, then mean- and max-pooling over time.

    Mean pooling sees levels (a high heart rate); max pooling sees peaks and the
    variability the second convolution picks up (irregular rhythm). Introduced in notebook 04.
    """

    def __init__(self, n_channels: int, embed_dim: int, *, width: int = 16):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv1d(n_channels, width, kernel_size=5, padding=2),
            nn.ReLU(),
            nn.Conv1d(width, width, kernel_size=3, padding=1),
            nn.ReLU(),
        )
        self.out = nn.Sequential(nn.Linear(2 * width, embed_dim), nn.ReLU())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv(x)
        return self.out(torch.cat([h.mean(dim=2), h.amax(dim=2)], dim=1))


class NotesEncoder(nn.Module):
    """Bag-of-words embedding: each vocabulary word (or word pair) has a learned vector,
    a note is the sum of its words' vectors (an ``EmbeddingBag`` in matrix form).
    Introduced in notebook 04."""

    def __init__(self, vocabulary_size: int, embed_dim: int):
        super().__init__()
        self.embed = nn.Linear(vocabulary_size, embed_dim)
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.embed(x))


class ImageEncoder(nn.Module):
    """A small CNN: two 3x3 convolutions with max-pooling, then a linear embedding.
    Introduced in notebook 04."""

    def __init__(self, image_shape: tuple[int, int, int], embed_dim: int, *, width: int = 8):
        super().__init__()
        c, h, w = image_shape
        self.conv = nn.Sequential(
            nn.Conv2d(c, width, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.out = nn.Sequential(nn.Linear(2 * width * (h // 4) * (w // 4), embed_dim), nn.ReLU())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.conv(x).flatten(1))


def build_encoder(modality: str, input_shape: tuple[int, ...], embed_dim: int) -> nn.Module:
    """The encoder for one modality, sized for ``input_shape`` (see ``input_shapes()``)."""
    if modality == "tabular":
        return TabularEncoder(input_shape[0], embed_dim)
    if modality == "timeseries":
        return TimeseriesEncoder(input_shape[0], embed_dim)
    if modality == "notes":
        return NotesEncoder(input_shape[0], embed_dim)
    if modality == "images":
        return ImageEncoder(tuple(input_shape), embed_dim)
    check_modalities(modality)
    raise AssertionError(modality)
