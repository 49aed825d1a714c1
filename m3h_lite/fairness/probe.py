"""Demographic encoding: how well a linear probe reads an attribute from a model's features.

Yang et al. (Nat Med 2024) measure how much a model "encodes" a demographic attribute by
freezing it, taking its penultimate features, and training a logistic regression to
predict the attribute; the probe's held-out AUROC is the encoding (0.5: nothing; 1.0: the
attribute is written all over the features). Gichoya et al. (2022) found AUROC 0.91-0.99
for self-reported race from chest X-rays. Introduced in notebook 09.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ..hospital.cohort import Cohort
from ..numerics import one_thread
from ..validation import Interval, align_pandas, shown, validate


@dataclass(frozen=True)
class ProbeResult:
    """Held-out AUROC of a linear probe (macro one-vs-rest for more than two groups)."""

    attribute: str
    auroc: float
    n_train: int
    n_test: int
    groups: tuple[str, ...]

    def __repr__(self) -> str:
        return (
            f"ProbeResult({self.attribute}: AUROC {self.auroc:.3f} on {self.n_test} held-out "
            f"patients, {len(self.groups)} groups)"
        )


def probe_attribute(
    features: Any,
    groups: Any,
    *,
    test_size: float = 0.3,
    seed: int = 0,
    C: float = 1.0,
    name: str = "attribute",
) -> ProbeResult:
    """Train a logistic-regression probe on ``features`` to predict ``groups``; held-out AUROC.

    Parameters
    ----------
    features : (n, d) frozen features (e.g. ``model.embed(cohort)``).
    groups : the attribute of each patient (two or more distinct values).
    test_size : fraction of patients held out (stratified by group) to score the probe.
    seed : seeds the held-out split.
    C : inverse regularisation strength of the logistic regression.
    """
    settings = validate(
        "probe_attribute",
        {"test_size": test_size, "seed": seed, "C": C},
        {
            "test_size": Interval(float, 0, 1, closed="neither"),
            "seed": Interval(int, 0, None),
            "C": Interval(float, 0, None, closed="neither"),
        },
    )
    test_size, seed, C = settings["test_size"], settings["seed"], settings["C"]
    inputs = align_pandas({"features": features, "groups": groups}, owner="probe_attribute")
    features, groups = inputs["features"], inputs["groups"]
    if isinstance(features, str | bytes | dict):
        raise TypeError(
            f"probe_attribute: features must be a 2-D array (patients, features), got "
            f"{shown(features)}."
        )
    try:
        x = np.asarray(features, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(
            f"probe_attribute: features must be a 2-D array of numbers, got {shown(features)}."
        ) from None
    missing = pd.isna(np.asarray(groups, dtype=object)).ravel()
    if missing.any():
        raise ValueError(
            f"probe_attribute: groups has {int(missing.sum())} missing value(s); every patient "
            "needs a group (fill or drop them first)."
        )
    g = np.asarray(groups, dtype=str).ravel()
    if x.ndim != 2:
        raise ValueError(f"features must be a 2-D array (patients, features), got {x.shape}.")
    if len(x) != len(g):
        raise ValueError(f"Length mismatch: {len(x)} feature rows but {len(g)} group values.")
    if not np.isfinite(x).all():
        raise ValueError("features contain NaN or infinite values.")
    values, counts = np.unique(g, return_counts=True)
    if len(values) < 2:
        raise ValueError(
            f"Only one group ({values[0]!r}): a probe needs at least two groups to tell apart."
        )
    if counts.min() < 4:
        raise ValueError(
            f"Group {values[counts.argmin()]!r} has only {counts.min()} patients; a held-out "
            "probe needs several per group. Merge rare groups or use more patients."
        )
    n_test = int(np.ceil(test_size * len(g)))
    if min(n_test, len(g) - n_test) < len(values):
        raise ValueError(
            f"probe_attribute: test_size must be a share that leaves at least one patient of "
            f"each of the {len(values)} groups on both sides, got {test_size:g} ({n_test} of "
            f"{len(g)} patients held out)."
        )
    x_train, x_test, g_train, g_test = train_test_split(
        x, g, test_size=test_size, random_state=seed, stratify=g
    )
    probe = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=2000))
    with one_thread():
        probe.fit(x_train, g_train)
        scores = probe.predict_proba(x_test)
    if len(values) == 2:
        auroc = roc_auc_score(g_test == probe.classes_[1], scores[:, 1])
    else:
        auroc = roc_auc_score(g_test, scores, multi_class="ovr", average="macro")
    return ProbeResult(name, float(auroc), len(g_train), len(g_test), tuple(values))


def demographic_encoding(
    model: Any,
    cohort: Cohort,
    *,
    attribute: str,
    value: str | None = None,
    test_size: float = 0.3,
    seed: int = 0,
) -> ProbeResult:
    """How strongly ``model`` encodes ``attribute``: probe AUROC on ``model.embed(cohort)``.

    Parameters
    ----------
    model : any fitted model with ``embed(cohort) -> (n, d)`` penultimate features.
    cohort : patients to probe on (use patients the model was not trained on).
    attribute : a column of ``cohort.groups``.
    value : probe one group against everyone else (e.g. ``"Black"``) instead of all groups.
    """
    from .audit import attribute_groups

    if not hasattr(model, "embed"):
        raise TypeError(f"{type(model).__name__} has no embed(cohort) method to probe.")
    groups = attribute_groups(cohort, attribute, value=value)
    features = model.embed(cohort)
    return probe_attribute(
        features, groups.to_numpy(), test_size=test_size, seed=seed, name=str(groups.name)
    )


def probe_table(models: dict[str, Any], cohort: Cohort, **options: Any) -> pd.Series:
    """Encoding AUROC of several named models on the same patients."""
    return pd.Series(
        {name: demographic_encoding(m, cohort, **options).auroc for name, m in models.items()},
        name="probe_auroc",
    )
