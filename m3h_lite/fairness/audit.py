"""Subgroup audits: who does a model fail, by how much, and how sure are we?

A model can look good on average and still fail a group. Following Seyyed-Kalantari et al.
(Nat Med 2021) and Yang et al. (Nat Med 2024) this module disaggregates a model's scores by
a demographic attribute (or an intersection of attributes) with fairlearn's ``MetricFrame``
and reports, per group: AUROC, true/false positive and negative rates, the
**underdiagnosis rate** and calibration error (ECE); then the **fairness gap** of each
metric (max - min across groups) and the worst group, with bootstrap confidence intervals.

Underdiagnosis is the rate of a false "no finding": for one diagnosis it is the false
negative rate (sick patients called healthy); for the "no finding" composite it is that
composite's false *positive* rate. Because the cohort is synthetic, an audit can run
against the recorded labels (what a hospital has) or the true labels (``cohort.truth``):
comparing the two shows how a biased test set hides bias. Introduced in notebook 08.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame
from sklearn.metrics import precision_recall_curve, roc_auc_score

from ..evaluation import bootstrap_interval, expected_calibration_error
from ..hospital.cohort import Cohort
from ..validation import (
    Flag,
    Interval,
    Options,
    align_pandas,
    aligned,
    as_name_list,
    expect_type,
    shown,
    validate,
)

METRICS: tuple[str, ...] = ("auroc", "tpr", "fnr", "fpr", "underdiagnosis", "ece")
"""The per-group metrics an audit reports."""

HIGHER_IS_WORSE: frozenset[str] = frozenset({"fnr", "fpr", "underdiagnosis", "ece"})
"""Metrics where the worst group has the largest value (for the others, the smallest)."""

NO_FINDING = "no_finding"
"""Name of the composite task "none of the diagnoses" (as in chest-X-ray studies)."""


# ----------------------------------------------------------------------------- groups


def attribute_groups(
    cohort: Cohort, attribute: str | Sequence[str], *, value: str | None = None
) -> pd.Series:
    """The group of each patient for an attribute, an intersection, or one membership.

    Parameters
    ----------
    cohort : the cohort (or a subset) being audited.
    attribute : a column of ``cohort.groups`` (``"sex"``), or several for intersectional
        groups (``["sex", "race_ethnicity"]`` gives ``"F & Black"``, ...).
    value : with one attribute, compare this group with everyone else
        (``value="Black"`` gives ``"Black"`` / ``"not Black"``).
    """
    names = as_name_list(attribute, owner="attribute_groups", name="attribute", allow_empty=True)
    if not names:
        raise ValueError("Give at least one attribute, e.g. attribute='sex'.")
    unknown = [a for a in names if a not in cohort.groups.columns]
    if unknown:
        raise KeyError(
            f"Unknown attribute {unknown[0]!r}. Use one of {list(cohort.groups.columns)} "
            "(or a list of them for intersectional groups)."
        )
    if value is not None:
        if len(names) != 1:
            raise ValueError("`value=` works with a single attribute, not an intersection.")
        column = cohort.groups[names[0]].astype(str)
        if value not in set(column):
            raise ValueError(
                f"No patient has {names[0]} == {value!r}; values present: {sorted(set(column))}."
            )
        out = column.where(column == value, f"not {value}")
        return out.rename(f"{names[0]}={value}")
    parts = [cohort.groups[a].astype(str) for a in names]
    out = parts[0]
    for part in parts[1:]:
        out = out + " & " + part
    return out.rename(" x ".join(names))


# ----------------------------------------------------------------------------- scores


def _as_scores(values: Any, *, owner: str, name: str) -> np.ndarray:
    """Numbers, one per patient (a string, a mapping or other objects are refused)."""
    if isinstance(values, str | bytes | Mapping):
        raise TypeError(
            f"{owner}: {name} must be probabilities, one per patient (an array, a list or a "
            f"Series), got {shown(values)}."
        )
    try:
        return np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        raise TypeError(
            f"{owner}: {name} must be probabilities, one per patient, got {shown(values)}."
        ) from None


def _scores_frame(scores: Any, ids: pd.Index) -> pd.DataFrame | None:
    """Per-task scores in the cohort's patient order (pandas inputs matched by index)."""
    owner = "task_scores"
    if isinstance(scores, pd.DataFrame):
        values = aligned(scores, ids, owner=owner, name="scores")
        return pd.DataFrame(values, columns=scores.columns)
    if isinstance(scores, Mapping):
        return pd.DataFrame(
            {
                k: _as_scores(
                    aligned(v, ids, owner=owner, name=f"scores[{k!r}]"),
                    owner=owner,
                    name=f"scores[{k!r}]",
                )
                for k, v in scores.items()
            }
        )
    return None


def task_scores(
    cohort: Cohort,
    scores: Any,
    *,
    task: str,
    against: str = "true",
    tasks: Sequence[str] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Labels and scores for one task (or the ``"no_finding"`` composite) of an audit.

    Parameters
    ----------
    cohort : the patients scored.
    scores : an (n,) array of P(task), or a mapping / DataFrame task -> (n,) probabilities
        (as returned by a model's ``predict_proba``).
    task : a binary task of the cohort, or ``"no_finding"``: no diagnosis among ``tasks``;
        its score is P(no finding) = prod(1 - p_t) (diagnoses treated as independent).
    against : ``"recorded"`` labels (what the hospital has) or ``"true"`` labels (the truth
        only a simulator knows).
    tasks : diagnoses of the composite (default: every diagnosis present in ``scores``).
    """
    labels = cohort.labels_for(against)
    frame = _scores_frame(scores, cohort.patient_ids)
    binary = cohort.tasks.of_class("binary")
    if task == NO_FINDING:
        if frame is None:
            raise ValueError(
                "The no_finding composite needs per-task probabilities: pass a dict task -> "
                "probabilities (e.g. model.predict_proba(cohort))."
            )
        names = (
            as_name_list(tasks, owner="task_scores", name="tasks")
            if tasks is not None
            else [t for t in frame if t in binary]
        )
        missing = [t for t in names if t not in frame or t not in binary]
        if missing or not names:
            raise KeyError(
                f"no_finding needs scores for binary tasks; missing or not binary: {missing}. "
                f"Scores given for: {list(frame)}."
            )
        prob = np.prod(1.0 - frame[names].to_numpy(dtype=float), axis=1)
        y = ~labels[names].to_numpy().astype(bool).any(axis=1)
    else:
        if task not in binary:
            raise KeyError(f"Unknown binary task {task!r}. Binary tasks: {binary}.")
        if frame is not None:
            if task not in frame:
                raise KeyError(f"No scores for task {task!r}; scores given for {list(frame)}.")
            prob = frame[task].to_numpy(dtype=float)
        else:
            scores = aligned(scores, cohort.patient_ids, owner="task_scores", name="scores")
            prob = _as_scores(scores, owner="task_scores", name="scores")
        y = labels[task].to_numpy().astype(bool)
    if len(prob) != len(cohort):
        raise ValueError(
            f"Length mismatch: {len(prob)} scores for {len(cohort)} patients. Score the same "
            "patients you audit (e.g. both the test subset)."
        )
    return y.astype(int), prob


def choose_threshold(y_true: Any, prob: Any, *, rule: str | float = "f1") -> float:
    """Decision threshold: a fixed number, or the one maximising F1 (use validation data).

    Seyyed-Kalantari et al. chose thresholds for F1 on validation data; choose it on the
    validation patients, then audit the test patients at that threshold.
    """
    if not isinstance(rule, str):
        return validate(
            "choose_threshold",
            {"rule": rule},
            {"rule": Interval(float, 0, 1, closed="neither")},
            fixes={"rule": "Give 'f1' or a number strictly between 0 and 1."},
        )["rule"]
    if rule != "f1":
        raise ValueError(
            f"choose_threshold: rule must be 'f1' or a number strictly between 0 and 1, "
            f"got {rule!r}."
        )
    inputs = align_pandas({"y_true": y_true, "prob": prob}, owner="choose_threshold")
    y = _binary_labels(inputs["y_true"])
    p = _as_scores(inputs["prob"], owner="choose_threshold", name="prob")
    if len(y) != len(p):
        raise ValueError(
            f"Length mismatch: {len(y)} labels, {len(p)} scores. Labels and scores must "
            "describe the same patients in the same order."
        )
    _check_probabilities(p)
    if len(np.unique(y)) < 2:
        raise ValueError("Choosing a threshold for F1 needs positive and negative patients.")
    precision, recall, thresholds = precision_recall_curve(y, p)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    return float(thresholds[int(np.argmax(f1[:-1]))])


def task_threshold(
    cohort: Cohort,
    scores: Any,
    *,
    task: str,
    rule: str | float = "f1",
    tasks: Sequence[str] | None = None,
) -> float:
    """Threshold for a task chosen on (validation) patients' recorded labels.

    For ``"no_finding"`` the F1 is that of detecting *a finding* (the clinically relevant
    call; F1 of the common "no finding" class would call everyone healthy), and the
    threshold is returned on the no-finding score: predict "no finding" when
    P(no finding) >= threshold.
    """
    y, prob = task_scores(cohort, scores, task=task, against="recorded", tasks=tasks)
    if task == NO_FINDING and isinstance(rule, str):
        return 1.0 - choose_threshold(1 - y, 1.0 - prob, rule=rule)
    return choose_threshold(y, prob, rule=rule)


# ----------------------------------------------------------------------------- metrics


def _rate(numerator: np.ndarray, denominator: np.ndarray) -> float:
    return float(numerator.sum() / denominator.sum()) if denominator.sum() else float("nan")


def _metric_functions(threshold: float, kind: str, n_bins: int) -> dict[str, Any]:
    def auroc(y, p):
        return float(roc_auc_score(y, p)) if len(np.unique(y)) == 2 else float("nan")

    def tpr(y, p):
        return _rate((p >= threshold) & (y == 1), y == 1)

    def fnr(y, p):
        return _rate((p < threshold) & (y == 1), y == 1)

    def fpr(y, p):
        return _rate((p >= threshold) & (y == 0), y == 0)

    def ece(y, p):
        return expected_calibration_error(y, p, n_bins=n_bins)

    def count(y, p):
        return float(len(y))

    def positives(y, p):
        return float(np.sum(y))

    return {
        "n": count,
        "positives": positives,
        "auroc": auroc,
        "tpr": tpr,
        "fnr": fnr,
        "fpr": fpr,
        "underdiagnosis": fpr if kind == NO_FINDING else fnr,
        "ece": ece,
    }


_AUDIT_CONSTRAINTS = {
    "threshold": Interval(float, 0, 1, closed="neither"),
    "kind": Options(("diagnosis", NO_FINDING)),
    "n_bins": Interval(int, 1, None),
    "allow_undefined": Flag(),
}


def _binary_labels(y_true: Any) -> np.ndarray:
    """0/1 labels as ints; anything else (2, 0.5, NaN) is refused, never truncated."""
    y = np.asarray(y_true).ravel()
    if y.dtype == bool:
        return y.astype(int)
    try:
        numeric = y.astype(float)
    except (TypeError, ValueError):
        raise ValueError(f"Labels must be 0/1, got values such as {y[:3].tolist()}.") from None
    if not np.isin(numeric, (0.0, 1.0)).all():
        odd = np.unique(numeric[~np.isin(numeric, (0.0, 1.0))])[:5]
        raise ValueError(
            f"Labels must be 0/1 (a binary task), got {odd.tolist()}. Audit one binary "
            "diagnosis at a time, or its 'no_finding' call."
        )
    return numeric.astype(int)


def _check_probabilities(p: np.ndarray) -> None:
    if np.isnan(p).any():
        raise ValueError("Scores contain NaN; a model must score every patient.")
    if ((p < 0) | (p > 1)).any():
        raise ValueError(
            "Scores must be probabilities in [0, 1]; got values outside it. Pass "
            "predict_proba outputs, not logits or percentages."
        )


def _check_inputs(y: np.ndarray, prob: np.ndarray, groups: np.ndarray) -> None:
    if not (len(y) == len(prob) == len(groups)):
        raise ValueError(
            f"Length mismatch: {len(y)} labels, {len(prob)} scores, {len(groups)} group values. "
            "Labels, scores and groups must describe the same patients in the same order."
        )
    if len(y) == 0:
        raise ValueError("Nothing to audit: no patients.")
    if np.isnan(prob).any():
        raise ValueError("Scores contain NaN; a model must score every patient.")
    if pd.isna(groups).any():
        raise ValueError("Group values contain missing entries; fill or drop them first.")
    if len(np.unique(groups)) < 2:
        raise ValueError(
            f"Only one group ({np.unique(groups)[0]!r}) in the group column: a fairness gap "
            "compares at least two groups. Choose another attribute or more patients."
        )


def subgroup_metrics(
    y_true: Any,
    prob: Any,
    groups: Any,
    *,
    threshold: float = 0.5,
    kind: str = "diagnosis",
    n_bins: int = 10,
    allow_undefined: bool = False,
) -> pd.DataFrame:
    """Per-group metrics (rows: groups, plus ``overall``), computed with fairlearn's MetricFrame.

    Parameters
    ----------
    y_true : 0/1 labels. prob : predicted probabilities. groups : group of each patient.
    threshold : decision threshold for the rates.
    kind : ``"diagnosis"`` (underdiagnosis = FNR) or ``"no_finding"`` (underdiagnosis = FPR
        of the no-finding call).
    allow_undefined : if False (default), a group with no positive (or no negative) patients
        is refused, because its TPR/FNR (or FPR) and AUROC are undefined; if True, such values
        are NaN and left out of the gaps.
    """
    settings = validate(
        "subgroup_metrics",
        {
            "threshold": threshold,
            "kind": kind,
            "n_bins": n_bins,
            "allow_undefined": allow_undefined,
        },
        _AUDIT_CONSTRAINTS,
    )
    threshold, kind = settings["threshold"], settings["kind"]
    n_bins = settings["n_bins"]
    inputs = align_pandas(
        {"y_true": y_true, "prob": prob, "groups": groups}, owner="subgroup_metrics"
    )
    y = _binary_labels(inputs["y_true"])
    p = _as_scores(inputs["prob"], owner="subgroup_metrics", name="prob")
    g = np.asarray(inputs["groups"], dtype=object).ravel()
    _check_inputs(y, p, g)
    _check_probabilities(p)
    if not allow_undefined:
        for name in pd.unique(g):
            inside = y[g == name]
            for label, word, rates in ((1, "positive", "TPR/FNR"), (0, "negative", "FPR")):
                if not (inside == label).any():
                    raise ValueError(
                        f"Group {name!r} has no {word} patients ({len(inside)} patients), so "
                        f"its {rates} and AUROC are undefined. Merge small groups, audit a more "
                        "common task, or pass allow_undefined=True to report NaN for it."
                    )
    frame = MetricFrame(
        metrics=_metric_functions(threshold, kind, n_bins),
        y_true=y,
        y_pred=p,
        sensitive_features=pd.Series(g, name="group"),
    )
    table = frame.by_group.astype(float)
    table.loc["overall"] = pd.Series(frame.overall).astype(float)
    table[["n", "positives"]] = table[["n", "positives"]].astype(int)
    table.insert(2, "prevalence", table["positives"] / table["n"])
    return table


def fairness_gaps(table: pd.DataFrame, *, metrics: Sequence[str] = METRICS) -> pd.DataFrame:
    """Gap (max - min across groups) and worst group of each metric of a per-group table."""
    expect_type(
        table,
        pd.DataFrame,
        owner="fairness_gaps",
        name="table",
        what="a DataFrame of per-group metrics",
        fix="Pass subgroup_metrics(...) or audit.table.",
    )
    metrics = as_name_list(metrics, owner="fairness_gaps", name="metrics")
    unknown = [m for m in metrics if m not in table.columns]
    if unknown:
        raise KeyError(
            f"fairness_gaps: unknown metric(s) {unknown}; the table has "
            f"{[c for c in table.columns if c in METRICS]}."
        )
    groups = table.drop(index="overall", errors="ignore")
    rows = {}
    for metric in metrics:
        values = groups[metric].dropna()
        if len(values) < 2:
            rows[metric] = {"gap": np.nan, "worst_group": None, "worst": np.nan, "best": np.nan}
            continue
        worst = values.idxmax() if metric in HIGHER_IS_WORSE else values.idxmin()
        best = values.idxmin() if metric in HIGHER_IS_WORSE else values.idxmax()
        rows[metric] = {
            "gap": float(values.max() - values.min()),
            "worst_group": worst,
            "worst": float(values[worst]),
            "best": float(values[best]),
        }
    table = pd.DataFrame(rows).T.rename_axis("metric")
    return table.astype({"gap": float, "worst": float, "best": float})


# ----------------------------------------------------------------------------- the audit


@dataclass
class Audit:
    """The result of :func:`audit_subgroups`.

    Attributes
    ----------
    table : per-group metrics (and ``overall``), with ``*_low``/``*_high`` bootstrap bounds
        when ``n_bootstrap > 0``.
    gaps : gap and worst group per metric (with ``gap_low``/``gap_high`` bounds).
    task, attribute, against, threshold : what was audited and how.
    """

    table: pd.DataFrame
    gaps: pd.DataFrame
    task: str
    attribute: str
    against: str
    threshold: float
    n_bootstrap: int = 0
    notes: list[str] = field(default_factory=list)

    def gap(self, metric: str = "underdiagnosis") -> float:
        """The gap (max - min across groups) of one metric."""
        if metric not in self.gaps.index:
            raise KeyError(f"Unknown metric {metric!r}; use one of {list(self.gaps.index)}.")
        return float(self.gaps.loc[metric, "gap"])

    def worst_group(self, metric: str = "underdiagnosis") -> str:
        """The group with the worst value of one metric."""
        if metric not in self.gaps.index:
            raise KeyError(f"Unknown metric {metric!r}; use one of {list(self.gaps.index)}.")
        return str(self.gaps.loc[metric, "worst_group"])

    def __repr__(self) -> str:
        return (
            f"Audit({self.task} by {self.attribute}, against {self.against} labels, "
            f"threshold {self.threshold:.3f}: underdiagnosis gap {self.gap():.3f}, "
            f"worst group {self.worst_group()})"
        )


BIASED_UPWARD: tuple[str, ...] = ("ece",)
"""Per-group metrics whose bootstrap replicates sit above the estimate (binning noise)."""


def bootstrap_metrics(
    y: np.ndarray,
    prob: np.ndarray,
    groups: np.ndarray,
    *,
    threshold: float,
    kind: str,
    n_bootstrap: int,
    seed: int = 0,
    level: float = 0.95,
    estimates: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Bias-corrected bootstrap bounds of every per-group metric and every gap.

    Patients are resampled within each group, so every replicate keeps the group sizes
    (unlike :func:`m3h_lite.evaluation.bootstrap_ci`, which resamples all patients for one
    number; here a small group must not vanish from a replicate).
    Gaps and ECE bounds are bias-corrected around their point estimates
    (:func:`~m3h_lite.evaluation.bootstrap_interval`): a max-min gap and a binned ECE are
    biased upwards, and plain percentiles of their replicates can exclude the point estimate
    itself. The other metrics get plain percentile bounds.
    ``estimates`` is the point-estimate table of :func:`subgroup_metrics` on the same
    inputs, if already computed. Returns (table bounds, gap bounds) with
    ``<metric>_low``/``_high`` columns.
    """
    if estimates is None:
        estimates = subgroup_metrics(
            y, prob, groups, threshold=threshold, kind=kind, allow_undefined=True
        )
    rng = np.random.default_rng(seed)
    names = list(pd.unique(groups))
    members = [np.flatnonzero(groups == name) for name in names]
    functions = _metric_functions(threshold, kind, 10)
    tables, gaps = [], []
    for _ in range(n_bootstrap):
        # The same metric functions as the MetricFrame of the point estimate, applied per
        # group directly (a MetricFrame per replicate would be ten times slower).
        resampled = [rng.choice(m, size=len(m), replace=True) for m in members]
        table = pd.DataFrame(
            {
                metric: [functions[metric](y[rows], prob[rows]) for rows in resampled]
                for metric in METRICS
            },
            index=names,
        )
        gaps.append(fairness_gaps(table)["gap"].astype(float))
        everyone = np.concatenate(resampled)
        table.loc["overall"] = [functions[m](y[everyone], prob[everyone]) for m in METRICS]
        tables.append(table)
    stacked = pd.concat(tables, keys=range(n_bootstrap))
    bounds = {}
    for name in estimates.index:
        draws = stacked.xs(name, level=1)
        row = {}
        for metric in METRICS:
            point = estimates.at[name, metric] if metric in BIASED_UPWARD else None
            low, high = bootstrap_interval(draws[metric], point, level=level)
            row[f"{metric}_low"], row[f"{metric}_high"] = low, high
        bounds[name] = row
    table_bounds = pd.DataFrame.from_dict(bounds, orient="index").rename_axis(estimates.index.name)
    gap_frame = pd.DataFrame(gaps)
    point_gaps = fairness_gaps(estimates.drop(index="overall"))["gap"].astype(float)
    gap_bounds = pd.DataFrame(
        [bootstrap_interval(gap_frame[m], point_gaps[m], level=level) for m in gap_frame],
        index=gap_frame.columns,
        columns=["gap_low", "gap_high"],
    )
    return table_bounds, gap_bounds


def audit_inputs(
    cohort: Cohort,
    scores: Any,
    *,
    task: str,
    tasks: Sequence[str] | None = None,
    attribute: str | Sequence[str],
    value: str | None = None,
    against: str = "true",
) -> tuple[np.ndarray, np.ndarray, pd.Series, str]:
    """Labels, scores, groups and metric kind of one audit, each checked once.

    Shared by :func:`audit_subgroups` and the threshold explorer widget (notebook 08).
    """
    groups = attribute_groups(cohort, attribute, value=value)
    y, prob = task_scores(cohort, scores, task=task, against=against, tasks=tasks)
    return y, prob, groups, NO_FINDING if task == NO_FINDING else "diagnosis"


def audit_subgroups(
    cohort: Cohort,
    scores: Any,
    *,
    task: str,
    attribute: str | Sequence[str],
    value: str | None = None,
    against: str = "true",
    threshold: float = 0.5,
    tasks: Sequence[str] | None = None,
    n_bootstrap: int = 0,
    seed: int = 0,
    allow_undefined: bool = False,
) -> Audit:
    """Audit one task's scores by group: per-group metrics, gaps, worst group, bootstrap CIs.

    Parameters
    ----------
    cohort : the patients scored (typically the test subset).
    scores : (n,) probabilities for ``task``, or a mapping task -> probabilities.
    task : a binary task, or ``"no_finding"`` (see :func:`task_scores`).
    attribute, value : the groups (see :func:`attribute_groups`).
    against : ``"recorded"`` or ``"true"`` labels.
    threshold : decision threshold (choose it on validation data with :func:`choose_threshold`).
    n_bootstrap : bootstrap replicates for 95% intervals (0: none).
    allow_undefined : report NaN instead of refusing groups without positives or negatives.

    Introduced in notebook 08.
    """
    validate(
        "audit_subgroups",
        {"threshold": threshold, "n_bootstrap": n_bootstrap, "seed": seed},
        {
            "threshold": _AUDIT_CONSTRAINTS["threshold"],
            "n_bootstrap": Interval(int, 0, None),
            "seed": Interval(int, 0, None),
        },
    )
    y, prob, groups, kind = audit_inputs(
        cohort, scores, task=task, attribute=attribute, value=value, against=against, tasks=tasks
    )
    g = groups.to_numpy(dtype=object)
    table = subgroup_metrics(
        y, prob, g, threshold=threshold, kind=kind, allow_undefined=allow_undefined
    )
    gaps = fairness_gaps(table)
    notes = [
        f"{metric} undefined for group {name!r}"
        for metric in ("auroc", "tpr", "fpr")
        for name, v in table[metric].items()
        if np.isnan(v)
    ]
    if n_bootstrap:
        bounds, gap_bounds = bootstrap_metrics(
            y,
            prob,
            g,
            threshold=threshold,
            kind=kind,
            n_bootstrap=n_bootstrap,
            seed=seed,
            estimates=table,
        )
        table = table.join(bounds)
        gaps = gaps.join(gap_bounds)
    return Audit(
        table=table,
        gaps=gaps,
        task=task,
        attribute=str(groups.name),
        against=against,
        threshold=float(threshold),
        n_bootstrap=int(n_bootstrap),
        notes=notes,
    )


def compare_labels(
    cohort: Cohort,
    scores: Any,
    *,
    task: str,
    attribute: str | Sequence[str],
    metric: str = "underdiagnosis",
    **options: Any,
) -> pd.DataFrame:
    """One metric per group, audited against recorded and against true labels side by side.

    Shows how a test set whose labels share the bias hides it (notebook 08).
    """
    validate(
        "compare_labels",
        {"metric": metric},
        {"metric": Options((*METRICS, "n", "positives", "prevalence"))},
    )
    columns = {
        against: audit_subgroups(
            cohort, scores, task=task, attribute=attribute, against=against, **options
        ).table[metric]
        for against in ("recorded", "true")
    }
    return pd.DataFrame(columns).rename_axis(None)
