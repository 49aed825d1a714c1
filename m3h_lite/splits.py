"""Train / validation / test splits of a cohort, at random or by hospital site.

Every row of a cohort is one patient (one admission), so these splits are patient-level:
no patient's data can leak from training into testing. Introduced in notebook 02.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from .hospital.cohort import Cohort
from .validation import Interval, as_name_list, expect_type, validate

_FRACTION = Interval(float, 0, 1, closed="neither")
_SEED = Interval(int, 0, None)


@dataclass(frozen=True)
class Split:
    """Row positions of the training, validation and test patients."""

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter((self.train, self.val, self.test))

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.train), "val": len(self.val), "test": len(self.test)}

    def describe(self, cohort: Cohort) -> pd.DataFrame:
        """Patients and sites in each part, as a small table."""
        rows = {}
        for part, rows_idx in zip(("train", "val", "test"), self, strict=True):
            sites = cohort.groups["site"].iloc[rows_idx]
            rows[part] = {
                "patients": len(rows_idx),
                "sites": ", ".join(sorted(sites.astype(str).unique())),
            }
        return pd.DataFrame(rows).T


def _check_cohort(owner: str, cohort: Cohort) -> None:
    expect_type(
        cohort,
        Cohort,
        owner=owner,
        name="cohort",
        what="a Cohort",
        fix="Split the cohort itself, e.g. m3h.load_cohort().",
    )


def split_patients(
    cohort: Cohort,
    *,
    val_size: float = 0.2,
    test_size: float = 0.2,
    seed: int = 0,
    stratify: str | None = None,
) -> Split:
    """Random patient-level split, optionally stratified by a label or group column.

    Parameters
    ----------
    cohort : the cohort to split.
    val_size, test_size : fractions of all patients for validation and testing.
    seed : the split's own seed (independent of the cohort's).
    stratify : name of a column of ``cohort.labels`` or ``cohort.groups`` to keep balanced.
    """
    _check_cohort("split_patients", cohort)
    settings = validate(
        "split_patients",
        {"val_size": val_size, "test_size": test_size, "seed": seed},
        {"val_size": _FRACTION, "test_size": _FRACTION, "seed": _SEED},
        fixes={"seed": "Any whole number >= 0; the same seed gives the same split."},
    )
    val_size, test_size, seed = settings["val_size"], settings["test_size"], settings["seed"]
    if val_size + test_size >= 1:
        raise ValueError("val_size + test_size must leave some patients for training.")
    strata = None
    if stratify is not None and not isinstance(stratify, str):
        raise TypeError(
            f"split_patients: stratify must be None or the name of a label or group column "
            f"(e.g. 'sex'), got {stratify!r}."
        )
    if stratify is not None:
        if stratify in cohort.tasks and cohort.tasks[stratify].problem_class == "regression":
            raise ValueError(
                f"split_patients: stratify must be a class label or a group column, got "
                f"{stratify!r}, a continuous value (every patient is nearly its own class). "
                "Stratify by a diagnosis or a group such as 'site'."
            )
        if stratify in cohort.labels:
            strata = cohort.labels[stratify].to_numpy()
        elif stratify in cohort.groups:
            strata = cohort.groups[stratify].astype(str).to_numpy()
        else:
            raise KeyError(
                f"Cannot stratify by {stratify!r}: not a label or group column. "
                f"Labels: {list(cohort.labels)}; groups: {list(cohort.groups)}."
            )
    positions = np.arange(len(cohort))
    rest, test = train_test_split(
        positions, test_size=test_size, random_state=seed, stratify=strata
    )
    train, val = train_test_split(
        rest,
        test_size=val_size / (1 - test_size),
        random_state=seed,
        stratify=None if strata is None else strata[rest],
    )
    return Split(np.sort(train), np.sort(val), np.sort(test))


def split_by_site(
    cohort: Cohort,
    *,
    test_sites: str | Sequence[str],
    val_size: float = 0.2,
    seed: int = 0,
) -> Split:
    """Train and validate on some hospitals, test on others never seen in training.

    Used for external validation (notebook 10): does a model, or its fairness, transfer?
    """
    _check_cohort("split_by_site", cohort)
    settings = validate(
        "split_by_site",
        {"val_size": val_size, "seed": seed},
        {"val_size": _FRACTION, "seed": _SEED},
    )
    val_size, seed = settings["val_size"], settings["seed"]
    test_sites = as_name_list(test_sites, owner="split_by_site", name="test_sites")
    known = list(cohort.groups["site"].cat.categories)
    unknown = [s for s in test_sites if s not in known]
    if unknown:
        raise ValueError(f"Unknown site(s) {unknown}; this cohort has sites {known}.")
    is_test = cohort.groups["site"].isin(test_sites).to_numpy()
    if is_test.all():
        raise ValueError("Every site is a test site: keep at least one site for training.")
    if not is_test.any():
        raise ValueError(
            f"No patient of this cohort comes from {test_sites}: the test set would be empty."
        )
    rest = np.flatnonzero(~is_test)
    train, val = train_test_split(rest, test_size=val_size, random_state=seed)
    return Split(np.sort(train), np.sort(val), np.flatnonzero(is_test))
