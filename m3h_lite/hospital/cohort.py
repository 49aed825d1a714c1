"""The :class:`Cohort`: one synthetic hospital population, all modalities, labels and truth.

Introduced in notebook 01. Everything downstream (features, models, fairness) takes a
cohort, or a subset of one made with :meth:`Cohort.subset`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np
import pandas as pd

from .config import FACTORS, MODALITIES, CohortConfig
from .tasks import DISPOSITIONS, TaskRegistry

LABEL_SOURCES: tuple[str, ...] = ("recorded", "true")
"""What a model can be scored or trained against: the hospital's records or the truth."""

GROUP_COLUMNS: tuple[str, ...] = ("sex", "race_ethnicity", "insurance", "age_band", "site")

TRUTH_ARRAYS: dict[str, str | None] = {
    "factors": None,
    "private_causes": None,
    "probabilities": None,
    "disposition_probabilities": None,
    "expected_length_of_stay": "expected_length_of_stay",
    "underdiagnosis_probability": "underdiagnosis",
    "missingness_multiplier": "missingness",
    "shortcut_member": "shortcut_member",
}
"""The per-patient parts of :class:`Truth`, in storage order (tables, then named series)."""


@dataclass
class Truth:
    """What real data hide and the simulator knows (use for evaluation, never as input).

    Attributes
    ----------
    factors : latent health factors (patients x ``FACTORS``).
    private_causes : disease-specific latent causes (patients x diagnoses).
    labels : true labels, same columns as ``Cohort.labels``.
    probabilities : true probability of each binary task (the Bayes-optimal score).
    disposition_probabilities : true probability of each discharge disposition.
    expected_length_of_stay : mean length of stay given the latent state (days).
    underdiagnosis_probability : chance that each patient's true diagnoses go unrecorded.
    missingness_multiplier : how much more often optional labs are missing.
    shortcut_member : whether the planted image texture was added.
    planted : the planted-bias parameters, as configured.
    task_loadings : diagnosis x factor effects on the log-odds (true task structure).
    """

    factors: pd.DataFrame
    private_causes: pd.DataFrame
    labels: pd.DataFrame
    probabilities: pd.DataFrame
    disposition_probabilities: pd.DataFrame
    expected_length_of_stay: pd.Series
    underdiagnosis_probability: pd.Series
    missingness_multiplier: pd.Series
    shortcut_member: pd.Series
    planted: dict[str, Any] = field(default_factory=dict)
    task_loadings: pd.DataFrame | None = None

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The per-patient parts as plain arrays (how ``truth.npz`` stores them)."""
        return {name: getattr(self, name).to_numpy() for name in TRUTH_ARRAYS}

    @classmethod
    def from_arrays(
        cls,
        arrays: Mapping[str, np.ndarray],
        *,
        ids: pd.Index,
        labels: pd.DataFrame,
        planted: dict[str, Any],
        task_loadings: pd.DataFrame,
    ) -> Truth:
        """Rebuild a :class:`Truth` from :meth:`to_arrays` output (generation and loading)."""
        dx = list(task_loadings.index)
        columns: dict[str, list[str] | None] = {
            "factors": list(FACTORS),
            "private_causes": dx,
            "probabilities": [*dx, "readmission_30d"],
            "disposition_probabilities": list(DISPOSITIONS),
        }
        parts = {}
        for name, series_name in TRUTH_ARRAYS.items():
            values = np.asarray(arrays[name])
            if name in columns:
                parts[name] = pd.DataFrame(values, index=ids, columns=columns[name])
            else:
                parts[name] = pd.Series(values, index=ids, name=series_name)
        return cls(**parts, labels=labels, planted=planted, task_loadings=task_loadings)

    @property
    def phenotype(self) -> pd.Series:
        """True phenotype (cluster) of each patient."""
        return self.labels["phenotype"]

    def task_relations(self) -> pd.DataFrame:
        """True diagnosis-diagnosis relatedness: cosine similarity of factor loadings.

        This is the structure that TIM scores and attention weights try to recover
        (notebook 06).
        """
        loadings = self.task_loadings.to_numpy()
        unit = loadings / np.linalg.norm(loadings, axis=1, keepdims=True)
        names = self.task_loadings.index
        return pd.DataFrame(unit @ unit.T, index=names, columns=names)


@dataclass
class Cohort:
    """A synthetic hospital cohort.

    Attributes
    ----------
    config : how it was generated (regenerate exactly with ``generate_cohort(**...)``).
    tabular : demographics, admission vitals and labs (units in column names; NaN = not done).
    timeseries : float32 array (patients, hours, channels) of hourly vital signs.
    timeseries_channels : channel names, units in the names.
    notes : one admission note per patient.
    images : uint8 array (patients, height, width), chest-X-ray-like.
    labels : recorded labels, one column per task (what a hospital's records say).
    tasks : the :class:`TaskRegistry`.
    groups : sex, race/ethnicity, insurance, age band and site of each patient.
    truth : the :class:`Truth` behind the records.
    feature_info : units, reference and plausible ranges of the tabular measurements.
    """

    config: CohortConfig
    tabular: pd.DataFrame
    timeseries: np.ndarray
    timeseries_channels: tuple[str, ...]
    notes: pd.Series
    images: np.ndarray
    labels: pd.DataFrame
    tasks: TaskRegistry
    groups: pd.DataFrame
    truth: Truth
    feature_info: pd.DataFrame

    def __len__(self) -> int:
        return len(self.tabular)

    def __repr__(self) -> str:
        sites = ", ".join(self.groups["site"].cat.categories)
        return (
            f"Cohort({len(self)} patients; sites: {sites}; "
            f"{len(self.tasks)} tasks; images {self.images.shape[1]}x{self.images.shape[2]}; "
            f"{self.timeseries.shape[1]} h x {self.timeseries.shape[2]} vital signs; "
            f"biases {'off' if self.config.biases.is_off else 'on'})"
        )

    @property
    def patient_ids(self) -> pd.Index:
        return self.tabular.index

    @property
    def modalities(self) -> tuple[str, ...]:
        return MODALITIES

    @property
    def measurement_columns(self) -> list[str]:
        """Tabular columns that are vitals or labs (not demographics)."""
        return list(self.feature_info.index)

    def group_codes(self, attribute: str) -> np.ndarray:
        """Integer code of each patient's group in ``groups[attribute]`` (0 .. n_groups - 1,
        in category order): the group ids a fairness mitigation trains with."""
        if attribute not in self.groups:
            raise KeyError(
                f"Mitigation attribute {attribute!r} is not a group column; "
                f"choose one of {list(self.groups)}."
            )
        column = self.groups[attribute]
        if not isinstance(column.dtype, pd.CategoricalDtype):
            column = pd.Categorical(column.astype(str))
            return np.asarray(column.codes, dtype=np.int64)
        return column.cat.codes.to_numpy().astype(np.int64)

    def labels_for(self, against: str) -> pd.DataFrame:
        """The recorded labels (``"recorded"``: what the hospital has) or the generator's
        true labels (``"true"``). Every "recorded vs true" switch in the package reads here."""
        if against not in LABEL_SOURCES:
            raise ValueError(
                f"against must be one of {LABEL_SOURCES} (the hospital's labels or the truth), "
                f"got {against!r}."
            )
        return self.labels if against == "recorded" else self.truth.labels

    def subset(self, rows: np.ndarray | list[int] | slice) -> Cohort:
        """The same cohort restricted to some patients (positions or a boolean mask).

        A boolean pandas Series (``cohort.groups["sex"] == "F"``) is matched to the patients
        by its index, never by its row order; one indexed by other patients is refused.
        """
        if isinstance(rows, pd.Series) and rows.dtype == bool:
            rows = self._aligned_mask(rows)
        rows = np.arange(len(self))[rows] if isinstance(rows, slice) else np.asarray(rows)
        if rows.ndim != 1:
            raise TypeError(
                f"Row positions must be a 1-D list, array or boolean mask, got an array of "
                f"shape {rows.shape}. Wrap one position in a list: subset([5])."
            )
        if rows.dtype == bool:
            if len(rows) != len(self):
                raise ValueError(
                    f"Boolean mask has {len(rows)} entries but the cohort has {len(self)} patients."
                )
            rows = np.flatnonzero(rows)
        if rows.size == 0:
            raise ValueError(
                "This selection holds no patients: nothing could be trained, scored or "
                "audited on it. Check the mask or the positions (e.g. a site with no patients)."
            )
        if rows.dtype.kind not in "iu":
            raise TypeError(f"Row positions must be integers or a boolean mask, got {rows.dtype}.")
        if rows.min() < -len(self) or rows.max() >= len(self):
            raise IndexError(f"Row positions must lie in [0, {len(self)}).")

        def take(obj):
            if isinstance(obj, pd.DataFrame | pd.Series):
                return obj.iloc[rows]
            if isinstance(obj, np.ndarray):
                return obj[rows]
            return obj

        per_patient = [f.name for f in fields(Truth) if f.name not in ("planted", "task_loadings")]
        truth = replace(
            self.truth, **{name: take(getattr(self.truth, name)) for name in per_patient}
        )
        return replace(
            self,
            tabular=take(self.tabular),
            timeseries=take(self.timeseries),
            notes=take(self.notes),
            images=take(self.images),
            labels=take(self.labels),
            groups=take(self.groups),
            truth=truth,
        )

    def _aligned_mask(self, mask: pd.Series) -> np.ndarray:
        ids = self.patient_ids
        if mask.index.equals(ids) or (
            isinstance(mask.index, pd.RangeIndex) and mask.index.equals(pd.RangeIndex(len(ids)))
        ):
            return mask.to_numpy()
        if len(mask) == len(ids) and mask.index.is_unique and set(mask.index) == set(ids):
            return mask.reindex(ids).to_numpy()
        raise ValueError(
            f"Cohort.subset: the boolean mask is a Series whose index is not this cohort's "
            f"patient ids (first: {list(mask.index[:3])} vs {list(ids[:3])}). Build the mask "
            "from this cohort (e.g. cohort.groups['sex'] == 'F'), or pass a plain array."
        )

    def reference_flags(self) -> pd.DataFrame:
        """ "L" / "H" / "" for each measurement against its reference range (as a lab report)."""
        values = self.tabular[self.measurement_columns]
        low = values.lt(self.feature_info["reference_low"], axis=1)
        high = values.gt(self.feature_info["reference_high"], axis=1)
        flags = pd.DataFrame("", index=values.index, columns=values.columns)
        return flags.mask(low, "L").mask(high, "H")

    def prevalence(self) -> pd.DataFrame:
        """Recorded and true prevalence of each binary task, side by side."""
        names = self.tasks.of_class("binary")
        return pd.DataFrame(
            {
                "recorded": self.labels[names].mean(),
                "true": self.truth.labels[names].mean(),
            }
        ).rename_axis("task")

    def latent_factors(self) -> pd.DataFrame:
        """Shortcut to ``truth.factors`` (named by ``FACTORS``)."""
        return self.truth.factors[list(FACTORS)]
