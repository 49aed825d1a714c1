"""One patient at a time: the record a clinician would read, with reference flags.

A model sees columns; a clinician sees a patient. :func:`patient_record` gathers one
patient's demographics, measurements (value, unit, reference range, flag), vital-sign
curves, note, image and labels (recorded beside true) from a :class:`~m3h_lite.Cohort`.
:func:`reference_flags` marks every measurement low (``L``) or high (``H``) against its
reference range, as a laboratory report does. Introduced in notebook 01.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..validation import expect_type
from .cohort import Cohort

DEMOGRAPHICS: tuple[str, ...] = ("site", "age", "sex", "race_ethnicity", "insurance")


def reference_flags(cohort: Cohort) -> pd.DataFrame:
    """``"L"``, ``"H"`` or ``""`` for each measurement of each patient (``""`` also if not done).

    Uses the reference ranges in ``cohort.feature_info``; a missing value (test not ordered)
    gets no flag. The same as :meth:`Cohort.reference_flags`.
    """
    expect_type(cohort, Cohort, owner="reference_flags", name="cohort", what="a Cohort")
    return cohort.reference_flags()


@dataclass(frozen=True)
class PatientRecord:
    """Everything the cohort knows about one patient, ready to show.

    Attributes
    ----------
    patient_id : e.g. ``"P000001"``.
    position : row position in the cohort.
    demographics : site, age, sex, race/ethnicity, insurance.
    measurements : one row per vital/lab: label, value, unit, reference range, flag.
    vitals : hourly vital signs (hours x channels).
    note : the admission note.
    image : the chest image (uint8, height x width).
    diagnoses : one row per binary diagnosis: recorded and true label, true probability.
    """

    patient_id: str
    position: int
    demographics: pd.Series
    measurements: pd.DataFrame
    vitals: pd.DataFrame
    note: str
    image: np.ndarray
    diagnoses: pd.DataFrame

    @property
    def missed_diagnoses(self) -> list[str]:
        """True diagnoses that the hospital's records do not show (underdiagnosis)."""
        d = self.diagnoses
        return list(d.index[(d["true"] == 1) & (d["recorded"] == 0)])

    def summary(self) -> str:
        """One line: id, age, sex, race/ethnicity, insurance, site."""
        d = self.demographics
        return (
            f"{self.patient_id}: {d['age']}-year-old {d['sex']}, {d['race_ethnicity']}, "
            f"{d['insurance']}, at {d['site']}"
        )


def patient_position(cohort: Cohort, patient: str | int) -> int:
    """Row position of ``patient``, given as an id (``"P000001"``) or a position (``0``).

    Raises a ``KeyError``/``IndexError`` naming the valid range when the patient is unknown.
    """
    n = len(cohort)
    if isinstance(patient, bool) or not isinstance(patient, str | int | np.integer):
        raise TypeError(
            f"patient must be an id like {cohort.patient_ids[0]!r} or a row position (int), "
            f"got {type(patient).__name__}."
        )
    if isinstance(patient, str):
        ids = cohort.patient_ids
        if patient not in ids:
            raise KeyError(
                f"Unknown patient id {patient!r}: this cohort has ids "
                f"{ids[0]} to {ids[-1]} ({n} patients)."
            )
        return int(ids.get_loc(patient))
    if not 0 <= int(patient) < n:
        raise IndexError(f"Patient position {patient} is out of range: use 0 to {n - 1}.")
    return int(patient)


def patient_record(cohort: Cohort, patient: str | int) -> PatientRecord:
    """Gather one patient's data across all modalities, with labels recorded vs true.

    Parameters
    ----------
    cohort : the cohort to read.
    patient : patient id (``"P000001"``) or row position (``0``).
    """
    expect_type(cohort, Cohort, owner="patient_record", name="cohort", what="a Cohort")
    row = patient_position(cohort, patient)
    pid = str(cohort.patient_ids[row])
    info = cohort.feature_info
    values = cohort.tabular.iloc[row][list(info.index)].astype(float)
    flags = cohort.subset([row]).reference_flags().iloc[0]
    measurements = pd.DataFrame(
        {
            "label": info["label"],
            "value": values,
            "unit": info["unit"],
            "reference": [
                f"{lo:g}-{hi:g}"
                for lo, hi in zip(info["reference_low"], info["reference_high"], strict=True)
            ],
            "flag": np.where(values.isna(), "not done", flags),
        }
    )
    vitals = pd.DataFrame(
        cohort.timeseries[row], columns=list(cohort.timeseries_channels)
    ).rename_axis("hour")
    names = cohort.tasks.diagnoses
    diagnoses = pd.DataFrame(
        {
            "recorded": cohort.labels.iloc[row][names].astype(int),
            "true": cohort.truth.labels.iloc[row][names].astype(int),
            "true_probability": cohort.truth.probabilities.iloc[row][names].astype(float),
        }
    ).rename_axis("diagnosis")
    return PatientRecord(
        patient_id=pid,
        position=row,
        demographics=cohort.tabular.iloc[row][list(DEMOGRAPHICS)],
        measurements=measurements,
        vitals=vitals,
        note=str(cohort.notes.iloc[row]),
        image=cohort.images[row],
        diagnoses=diagnoses,
    )
