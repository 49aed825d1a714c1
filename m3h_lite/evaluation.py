"""Evaluation of predictions for every problem class, with bootstrap intervals and the Bayes ceiling.

This is the shared evaluation contract of the course: baselines (notebook 02), fusion
(03), M3H (04-07) and the fairness audits (08-10) all report through :func:`evaluate`.

Predictions are a mapping task name -> array, one entry per patient of the evaluated
cohort:

* binary: ``P(y = 1)``, shape ``(n,)``;
* multiclass: probabilities ``(n, k)`` in the order of ``cohort.tasks[name].classes``;
* regression: predicted values ``(n,)``;
* clustering: integer cluster ids ``(n,)``.

The synthetic hospital knows the truth, so every metric is shown beside its **ceiling**:
the value the generator's own probabilities (or expected values) reach on the same
patients. Real data never show this number. Metrics come from :mod:`sklearn.metrics`.

A metric that is undefined on the sample (AUROC with only one class present, say) is
never replaced by a made-up number: the low-level helpers raise :class:`UndefinedMetricError`
naming the problem, and :func:`evaluate` reports ``NaN`` with the reason in its ``note``
column, so one rare task in a small subgroup does not hide the others.
Introduced in notebook 02.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm
from sklearn import metrics as skm

from .hospital.cohort import Cohort
from .validation import (
    Interval,
    Options,
    align_pandas,
    aligned,
    as_name_list,
    expect_type,
    validate,
)

__all__ = [
    "METRICS",
    "UndefinedMetricError",
    "bootstrap_ci",
    "compute_metric",
    "evaluate",
    "expected_calibration_error",
    "reliability_curve",
]


class UndefinedMetricError(ValueError):
    """A metric has no value on this sample (e.g. AUROC when every label is the same)."""


@dataclass(frozen=True)
class _Metric:
    name: str
    problem_class: str
    function: Callable[[np.ndarray, np.ndarray], float]
    higher_is_better: bool


def _needs_both_classes(name: str, y: np.ndarray) -> None:
    if np.unique(y).size < 2:
        only = int(y[0]) if len(y) else "none"
        raise UndefinedMetricError(
            f"{name} is undefined: the sample holds a single class (every label is {only}). "
            "Use a larger or stratified sample, or a task with positives in this group."
        )


def _auroc(y: np.ndarray, p: np.ndarray) -> float:
    _needs_both_classes("AUROC", y)
    return float(skm.roc_auc_score(y, p))


def _auprc(y: np.ndarray, p: np.ndarray) -> float:
    if not np.any(y == 1):
        raise UndefinedMetricError(
            "AUPRC is undefined: the sample holds no positive case. "
            "Use a larger or stratified sample."
        )
    return float(skm.average_precision_score(y, p))


def _brier(y: np.ndarray, p: np.ndarray) -> float:
    return float(skm.brier_score_loss(y, p))


def _ece(y: np.ndarray, p: np.ndarray) -> float:
    return _ece_unchecked(y, p)


def _accuracy(y: np.ndarray, proba: np.ndarray) -> float:
    return float(skm.accuracy_score(y, proba.argmax(axis=1)))


def _macro_f1(y: np.ndarray, proba: np.ndarray) -> float:
    k = proba.shape[1]
    return float(
        skm.f1_score(y, proba.argmax(axis=1), average="macro", labels=range(k), zero_division=0)
    )


def _mae(y: np.ndarray, yhat: np.ndarray) -> float:
    return float(skm.mean_absolute_error(y, yhat))


def _r2(y: np.ndarray, yhat: np.ndarray) -> float:
    if np.var(y) == 0:
        raise UndefinedMetricError("R² is undefined: every true value in the sample is equal.")
    return float(skm.r2_score(y, yhat))


def _ari(y: np.ndarray, clusters: np.ndarray) -> float:
    return float(skm.adjusted_rand_score(y, clusters))


METRICS: dict[str, _Metric] = {
    m.name: m
    for m in (
        _Metric("auroc", "binary", _auroc, True),
        _Metric("auprc", "binary", _auprc, True),
        _Metric("ece", "binary", _ece, False),
        _Metric("brier", "binary", _brier, False),
        _Metric("accuracy", "multiclass", _accuracy, True),
        _Metric("macro_f1", "multiclass", _macro_f1, True),
        _Metric("mae", "regression", _mae, False),
        _Metric("r2", "regression", _r2, True),
        _Metric("adjusted_rand", "clustering", _ari, True),
        _Metric("silhouette", "clustering", None, True),  # needs features: see evaluate
    )
}
"""Every metric :func:`evaluate` knows, by name, with its problem class."""

DEFAULT_METRICS: dict[str, tuple[str, ...]] = {
    "binary": ("auroc", "auprc", "ece", "brier"),
    "multiclass": ("accuracy", "macro_f1"),
    "regression": ("mae", "r2"),
    "clustering": ("adjusted_rand", "silhouette"),
}


# ----------------------------------------------------------------------------------------
# input checks
# ----------------------------------------------------------------------------------------


def _as_1d(values, *, name: str, n: int | None = None, allow_nan: bool = False) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(f"{name} must be one value per patient (1-D), got shape {array.shape}.")
    if n is not None and len(array) != n:
        raise ValueError(
            f"{name} has {len(array)} values but there are {n} patients: "
            "predict on exactly the patients you evaluate (e.g. cohort.subset(split.test))."
        )
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be numeric, got dtype {array.dtype}.")
    array = array.astype(float) if array.dtype.kind == "f" else array
    if not allow_nan and array.dtype.kind == "f" and not np.isfinite(array).all():
        bad = int((~np.isfinite(array)).sum())
        raise ValueError(
            f"{name} contains {bad} NaN or infinite value(s); a score is needed for every "
            "patient (impute the inputs or drop those patients from the evaluation)."
        )
    return array


def _check_probabilities(p: np.ndarray, *, name: str) -> None:
    if p.min() < 0 or p.max() > 1:
        raise ValueError(
            f"{name} must be probabilities in [0, 1], got values in [{p.min():.3g}, {p.max():.3g}]. "
            "Pass predict_proba(...)[:, 1], not a decision score or a label."
        )


def _check_binary_labels(y: np.ndarray, *, name: str = "labels") -> None:
    values = np.unique(y)
    if not set(values.tolist()) <= {0, 1}:
        raise ValueError(f"{name} must be 0/1 for a binary metric, got values {values[:5]}.")


def compute_metric(metric: str, y_true, y_pred) -> float:
    """One metric on one sample, after checking the input.

    Parameters
    ----------
    metric : a name in :data:`METRICS` (``"auroc"``, ``"mae"``, ...; not ``"silhouette"``).
    y_true : true labels (0/1 for binary; class indices for multiclass; values; cluster ids).
    y_pred : scores in the format of the problem class (see the module docstring).

    Raises
    ------
    UndefinedMetricError : the metric has no value on this sample (say, a single class).
    ValueError : mismatched lengths, NaN scores, wrong shapes or values.
    """
    if metric not in METRICS or metric == "silhouette":
        known = [m for m in METRICS if m != "silhouette"]
        raise KeyError(f"Unknown metric {metric!r}; choose one of {known}.")
    spec = METRICS[metric]
    inputs = align_pandas({"y_true": y_true, "y_pred": y_pred}, owner="compute_metric")
    y_true, y_pred = inputs["y_true"], inputs["y_pred"]
    y = _as_1d(y_true, name="y_true")
    if spec.problem_class == "multiclass":
        proba = np.asarray(y_pred, dtype=float)
        if proba.ndim != 2:
            raise ValueError(
                f"{metric} needs class probabilities of shape (n, k), got shape {proba.shape}."
            )
        if len(proba) != len(y):
            raise ValueError(f"y_pred has {len(proba)} rows but y_true has {len(y)} labels.")
        if not np.isfinite(proba).all():
            raise ValueError("y_pred contains NaN or infinite probabilities.")
        if y.min() < 0 or y.max() >= proba.shape[1]:
            raise ValueError(f"y_true must hold class indices in [0, {proba.shape[1]}).")
        return spec.function(y, proba)
    pred = _as_1d(y_pred, name="y_pred", n=len(y))
    if len(y) == 0:
        raise UndefinedMetricError(f"{metric} is undefined on an empty sample.")
    if spec.problem_class == "binary":
        _check_binary_labels(y, name="y_true")
        _check_probabilities(pred, name="y_pred")
    return spec.function(y, pred)


# ----------------------------------------------------------------------------------------
# calibration
# ----------------------------------------------------------------------------------------


def _binned_inputs(y_true, y_prob, n_bins: int, owner: str) -> tuple[np.ndarray, np.ndarray]:
    """Checked 0/1 labels and probabilities for a binned calibration measure."""
    validate(owner, {"n_bins": n_bins}, {"n_bins": Interval(int, 1, None)})
    inputs = align_pandas({"y_true": y_true, "y_prob": y_prob}, owner=owner)
    y = _as_1d(inputs["y_true"], name="y_true")
    p = _as_1d(inputs["y_prob"], name="y_prob", n=len(y))
    if len(y) == 0:
        raise ValueError(f"{owner}: y_true is empty; calibration needs at least one patient.")
    _check_binary_labels(y, name="y_true")
    _check_probabilities(p, name="y_prob")
    return y, p


def reliability_curve(y_true, y_prob, *, n_bins: int = 10, strategy: str = "uniform"):
    """Observed frequency against mean predicted probability, per probability bin.

    Returns a DataFrame with one row per non-empty bin: ``bin``, ``mean_predicted``,
    ``observed`` and ``count``. A perfectly calibrated model lies on the diagonal.
    ``strategy="quantile"`` uses equal-count bins (steadier for rare diseases).
    """
    y, p = _binned_inputs(y_true, y_prob, n_bins, "reliability_curve")
    validate(
        "reliability_curve",
        {"strategy": strategy},
        {"strategy": Options(("uniform", "quantile"))},
    )
    n_bins = int(n_bins)
    if strategy == "uniform":
        # The same bins as expected_calibration_error, so the diagram and the ECE agree
        # (np.linspace edges put a score of exactly 0.3 or 0.7 one bin too low).
        bins, n_used_bins = _uniform_bins(p, n_bins), n_bins
    elif strategy == "quantile":
        edges = np.unique(np.quantile(p, np.linspace(0, 1, n_bins + 1)))
        if len(edges) < 2:  # constant scores: one bin holds everyone
            edges = np.array([0.0, 1.0])
        edges[0], edges[-1] = 0.0, 1.0
        bins = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, len(edges) - 2)
        n_used_bins = len(edges) - 1
    count = np.bincount(bins, minlength=n_used_bins)
    used = np.flatnonzero(count)
    mean_predicted = np.bincount(bins, weights=p, minlength=len(count))[used] / count[used]
    observed = np.bincount(bins, weights=y, minlength=len(count))[used] / count[used]
    return pd.DataFrame(
        {
            "bin": used,
            "mean_predicted": mean_predicted,
            "observed": observed,
            "count": count[used],
        }
    )


def expected_calibration_error(y_true, y_prob, *, n_bins: int = 10) -> float:
    """Expected calibration error: the count-weighted mean |observed - predicted| over bins.

    Uses ``n_bins`` equal-width probability bins (the convention of Guo et al. 2017 and of
    the fairness literature, e.g. Yang et al. 2024). 0 is perfect calibration.
    """
    y, p = _binned_inputs(y_true, y_prob, n_bins, "expected_calibration_error")
    return _ece_unchecked(y, p, int(n_bins))


def _uniform_bins(p: np.ndarray, n_bins: int) -> np.ndarray:
    """Equal-width bin of each score: floor(p * n_bins), with p = 1 in the last bin."""
    return np.minimum((p * n_bins).astype(int), n_bins - 1)


def _ece_unchecked(y: np.ndarray, p: np.ndarray, n_bins: int = 10) -> float:
    bins = _uniform_bins(p, n_bins)
    count = np.bincount(bins, minlength=n_bins)
    gap = np.bincount(bins, weights=y - p, minlength=n_bins)
    return float(np.abs(gap).sum() / count.sum())


# ----------------------------------------------------------------------------------------
# bootstrap
# ----------------------------------------------------------------------------------------


def bootstrap_interval(
    draws: Any, estimate: float | None = None, *, level: float = 0.95
) -> tuple[float, float]:
    """Percentile interval of bootstrap ``draws``; bias-corrected around ``estimate`` if given.

    Without ``estimate``: the plain percentile interval, right for statistics without a
    systematic bias (an AUROC, a correlation). With it: a plain percentile interval of an upward-biased statistic (a max-min gap between
    groups, a binned ECE) can lie entirely above its own point estimate. The bias
    correction (Efron 1981) shifts the percentiles by how far the estimate sits from the
    draws' median, so the interval contains the estimate whenever at least ``(1-level)/2``
    of the draws lie on each side of it; where fewer do, the bootstrap has no information on
    that side and the bound is the estimate itself. NaN draws (undefined replicates) are
    dropped; no draws give ``(nan, nan)``.
    """
    values = np.asarray(draws, dtype=float)
    values = values[~np.isnan(values)]
    if values.size == 0:
        return float("nan"), float("nan")
    alpha = (1 - level) / 2
    if estimate is None or np.isnan(estimate):
        low, high = np.quantile(values, [alpha, 1 - alpha])
        return float(low), float(high)
    below = (np.mean(values < estimate) + 0.5 * np.mean(values == estimate)).clip(
        0.5 / values.size, 1 - 0.5 / values.size
    )
    z0 = norm.ppf(below)
    low, high = np.quantile(values, norm.cdf(2 * z0 + norm.ppf([alpha, 1 - alpha])))
    return float(min(low, estimate)), float(max(high, estimate))


def bootstrap_settings(
    owner: str, *, n_bootstrap: Any, seed: Any, level: Any, level_name: str = "level"
) -> tuple[int, int, float]:
    """The options every bootstrap takes, checked once: replicates, seed, coverage."""
    settings = validate(
        owner,
        {"n_bootstrap": n_bootstrap, "seed": seed, level_name: level},
        {
            "n_bootstrap": Interval(int, 1, None),
            "seed": Interval(int, 0, None),
            level_name: Interval(float, 0, 1, closed="neither"),
        },
    )
    return settings["n_bootstrap"], settings["seed"], settings[level_name]


def bootstrap_ci(
    function: Callable[..., float],
    *arrays,
    n_bootstrap: int = 1000,
    seed: int = 0,
    ci: float = 0.95,
) -> tuple[float, float, int]:
    """Percentile bootstrap confidence interval of ``function(*arrays)`` over patients.

    Patients (rows) are resampled with replacement ``n_bootstrap`` times. Resamples on which
    the metric is undefined (e.g. no positive case left for a rare disease) are skipped.

    Returns
    -------
    (low, high, n_used) : interval bounds and how many resamples were defined.
    """
    n_bootstrap, seed, ci = bootstrap_settings(
        "bootstrap_ci", n_bootstrap=n_bootstrap, seed=seed, level=ci, level_name="ci"
    )
    if not callable(function):
        raise TypeError(
            f"bootstrap_ci: function must be callable (e.g. a metric f(y, p) -> float), "
            f"got {function!r}."
        )
    if not arrays:
        raise ValueError(
            "bootstrap_ci: give at least one array to resample, e.g. "
            "bootstrap_ci(metric, y_true, y_pred)."
        )
    named = align_pandas({f"arrays[{i}]": a for i, a in enumerate(arrays)}, owner="bootstrap_ci")
    arrays = [np.asarray(a) for a in named.values()]
    n = len(arrays[0])
    if any(len(a) != n for a in arrays):
        raise ValueError(f"All arrays must have the same length, got {[len(a) for a in arrays]}.")
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(n_bootstrap):
        rows = rng.integers(0, n, n)
        try:
            values.append(function(*(a[rows] for a in arrays)))
        except UndefinedMetricError:
            continue
    if not values:
        return float("nan"), float("nan"), 0
    low, high = bootstrap_interval(values, level=ci)
    return low, high, len(values)


# ----------------------------------------------------------------------------------------
# evaluate
# ----------------------------------------------------------------------------------------


def _targets(cohort: Cohort, task, against: str) -> np.ndarray:
    column = cohort.labels_for(against)[task.name]
    if task.problem_class in ("multiclass", "clustering"):
        column = pd.Categorical(column, categories=list(task.classes) or None)
        return np.asarray(column.codes, dtype=int)
    return column.to_numpy(dtype=float if task.problem_class == "regression" else int)


def _ceiling_scores(cohort: Cohort, task) -> np.ndarray | None:
    truth = cohort.truth
    if task.problem_class == "binary" and task.name in truth.probabilities:
        return truth.probabilities[task.name].to_numpy(dtype=float)
    if task.problem_class == "multiclass" and task.name == "disposition":
        return truth.disposition_probabilities[list(task.classes)].to_numpy(dtype=float)
    if task.problem_class == "regression" and task.name == "length_of_stay":
        return truth.expected_length_of_stay.to_numpy(dtype=float)
    return None


def _prepare(task, prediction, n: int) -> np.ndarray:
    name = f"predictions[{task.name!r}]"
    if task.problem_class == "multiclass":
        proba = np.asarray(prediction, dtype=float)
        k = len(task.classes)
        if proba.ndim != 2 or proba.shape != (n, k):
            raise ValueError(
                f"{name} must be class probabilities of shape ({n}, {k}) in the order "
                f"{list(task.classes)}, got shape {proba.shape}."
            )
        if not np.isfinite(proba).all():
            raise ValueError(f"{name} contains NaN or infinite probabilities.")
        if proba.min() < 0 or proba.max() > 1 or not np.allclose(proba.sum(axis=1), 1, atol=1e-3):
            raise ValueError(
                f"{name} must hold probabilities: each in [0, 1] and each row summing to 1 "
                "(use predict_proba, not scores or logits)."
            )
        return proba
    values = _as_1d(prediction, name=name, n=n)
    if task.problem_class == "binary":
        _check_probabilities(values, name=name)
    if task.problem_class == "clustering" and values.dtype.kind == "f":
        if not np.all(values == np.round(values)):
            raise ValueError(f"{name} must be integer cluster ids, got fractional values.")
        values = values.astype(int)
    return values


def _select_metrics(problem_class: str, metrics: Sequence[str] | None) -> list[str]:
    if metrics is None:
        return list(DEFAULT_METRICS[problem_class])
    return [m for m in metrics if METRICS[m].problem_class == problem_class]


def _check_metric_names(metrics: Sequence[str] | None, classes: set[str]) -> None:
    if metrics is None:
        return
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise KeyError(f"Unknown metric(s) {unknown}; choose from {list(METRICS)}.")
    for m in metrics:
        if METRICS[m].problem_class not in classes:
            raise ValueError(
                f"Metric {m!r} is for {METRICS[m].problem_class} tasks, but no task of that "
                f"problem class was predicted (got: {sorted(classes)})."
            )


def evaluate(
    cohort: Cohort,
    predictions: Mapping[str, np.ndarray],
    *,
    against: str = "recorded",
    n_bootstrap: int = 0,
    seed: int = 0,
    ci: float = 0.95,
    metrics: Sequence[str] | None = None,
    features: np.ndarray | None = None,
) -> pd.DataFrame:
    """Score predictions for any tasks and return a tidy table, one row per (task, metric).

    Parameters
    ----------
    cohort : the evaluated patients, e.g. ``cohort.subset(split.test)``.
    predictions : task name -> array in the format of its problem class (module docstring).
    against : ``"recorded"`` (the hospital's labels, what one can measure in practice) or
        ``"true"`` (the generator's true labels, ``cohort.truth.labels``).
    n_bootstrap : number of bootstrap resamples for the confidence interval (0: none).
    seed, ci : seed and coverage of the bootstrap interval.
    metrics : restrict to these metric names (default: every metric of each problem class:
        binary AUROC, AUPRC, ECE, Brier; multiclass accuracy, macro-F1; regression MAE, R²;
        clustering adjusted Rand index and silhouette).
    features : (n, d) inputs of the clustering, needed for the silhouette score; without it
        the silhouette row is left out.

    Returns
    -------
    DataFrame with columns ``task, department, problem_class, metric, value, ci_low,
    ci_high, n, n_positive, ceiling, note``. ``ceiling`` is the value of the metric for the
    generator's own scores on the same patients: true probabilities (binary), the argmax of
    the true disposition probabilities (multiclass), the expected length of stay
    (regression); NaN for clustering. For AUROC, AUPRC and R² against true labels it is
    the Bayes-optimal value; for others (MAE, macro-F1) it is the truth's score, which a
    model may in rare cases edge past. ``note`` explains any NaN value.
    """
    expect_type(
        cohort,
        Cohort,
        owner="evaluate",
        name="cohort",
        what="a Cohort",
        fix="Pass the evaluated patients, e.g. cohort.subset(split.test).",
    )
    cohort.labels_for(against)  # refuses an unknown label source before any work
    settings = validate(
        "evaluate",
        {"n_bootstrap": n_bootstrap, "seed": seed, "ci": ci},
        {
            "n_bootstrap": Interval(int, 0, None),
            "seed": Interval(int, 0, None),
            "ci": Interval(float, 0, 1, closed="neither"),
        },
        fixes={"n_bootstrap": "Use 0 for no interval, or e.g. 1000 resamples."},
    )
    n_bootstrap, seed, ci = settings["n_bootstrap"], settings["seed"], settings["ci"]
    if not isinstance(predictions, Mapping) or not predictions:
        raise TypeError("predictions must be a non-empty mapping: task name -> array.")
    if metrics is not None:
        metrics = as_name_list(metrics, owner="evaluate", name="metrics")
    n = len(cohort)
    tasks = [cohort.tasks[name] for name in cohort.tasks.check(list(predictions))]
    _check_metric_names(metrics, {t.problem_class for t in tasks})
    if metrics is not None and "silhouette" in metrics and features is None:
        raise ValueError(
            "The silhouette score needs the clustered inputs: pass features=(n, d) array, "
            "e.g. baselines.transform(cohort)."
        )
    if features is not None:
        features = np.asarray(features, dtype=float)
        if features.ndim != 2 or len(features) != n:
            raise ValueError(f"features must have shape ({n}, d), got {features.shape}.")

    rows = []
    for task in tasks:
        prediction = aligned(
            predictions[task.name], cohort.patient_ids, owner="evaluate", name=task.name
        )
        pred = _prepare(task, prediction, n)
        y = _targets(cohort, task, against)
        reference = _ceiling_scores(cohort, task)
        if task.problem_class == "multiclass" and reference is not None:
            reference = np.eye(reference.shape[1])[reference.argmax(axis=1)]
        n_pos = float((y == 1).sum()) if task.problem_class == "binary" else float("nan")
        for metric in _select_metrics(task.problem_class, metrics):
            row = {
                "task": task.name,
                "department": task.department,
                "problem_class": task.problem_class,
                "metric": metric,
                "value": float("nan"),
                "ci_low": float("nan"),
                "ci_high": float("nan"),
                "n": n,
                "n_positive": n_pos,
                "ceiling": float("nan"),
                "note": "",
            }
            if metric == "silhouette":
                if features is None:
                    continue
                if not 2 <= np.unique(pred).size <= n - 1:
                    row["note"] = "silhouette undefined: needs 2 to n-1 clusters"
                else:
                    row["value"] = float(skm.silhouette_score(features, pred))
                rows.append(row)
                continue
            function = METRICS[metric].function
            try:
                row["value"] = function(y, pred)
            except UndefinedMetricError as error:
                row["note"] = str(error)
                rows.append(row)
                continue
            if n_bootstrap:
                row["ci_low"], row["ci_high"], used = bootstrap_ci(
                    function, y, pred, n_bootstrap=n_bootstrap, seed=seed, ci=ci
                )
                if used < n_bootstrap:
                    row["note"] = f"{n_bootstrap - used} resamples undefined and skipped"
            if reference is not None:
                with suppress(UndefinedMetricError):
                    row["ceiling"] = function(y, reference)
            rows.append(row)
    columns = [
        "task",
        "department",
        "problem_class",
        "metric",
        "value",
        "ci_low",
        "ci_high",
        "n",
        "n_positive",
        "ceiling",
        "note",
    ]
    return pd.DataFrame(rows, columns=columns)
