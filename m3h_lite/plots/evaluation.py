"""Figures for evaluating predictions: ROC curves, reliability diagrams, per-task metrics.

Introduced in notebook 02. Each function returns the matplotlib ``Axes`` it drew on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..evaluation import reliability_curve
from ..hospital.cohort import Cohort
from .style import OKABE_ITO, colour, style


def _axes(ax, figsize=(5, 4)):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=figsize)[1]


def _labels(cohort: Cohort, task: str, against: str) -> np.ndarray:
    return cohort.labels_for(against)[task].to_numpy()


def roc_curves(
    cohort: Cohort,
    predictions: Mapping[str, np.ndarray],
    *,
    tasks: Sequence[str],
    against: str = "recorded",
    ceiling: bool = True,
    ax=None,
):
    """ROC curve of each task's predictions; dashed: the generator's true probabilities.

    The dashed curve is the best any model could do on these patients (the Bayes ceiling).
    """
    from sklearn.metrics import roc_auc_score, roc_curve

    with style():
        ax = _axes(ax)
        for i, task in enumerate(tasks):
            y = _labels(cohort, task, against)
            fpr, tpr, _ = roc_curve(y, predictions[task])
            auc = roc_auc_score(y, predictions[task])
            ax.plot(fpr, tpr, color=colour(i), label=f"{task} (AUROC {auc:.2f})")
            if ceiling and task in cohort.truth.probabilities:
                truth = cohort.truth.probabilities[task]
                fpr, tpr, _ = roc_curve(y, truth)
                ax.plot(fpr, tpr, color=colour(i), linestyle="--", linewidth=1)
        ax.plot([0, 1], [0, 1], color="grey", linewidth=0.8, linestyle=":")
        ax.set(
            xlabel="false-positive rate (1 - specificity)",
            ylabel="true-positive rate (sensitivity)",
            title="ROC (dashed: true probabilities)" if ceiling else "ROC",
            xlim=(0, 1),
            ylim=(0, 1),
        )
        ax.legend(fontsize=8, loc="lower right")
    return ax


def reliability_diagram(
    cohort: Cohort,
    predictions: Mapping[str, np.ndarray],
    *,
    tasks: Sequence[str],
    against: str = "recorded",
    n_bins: int = 10,
    strategy: str = "quantile",
    ax=None,
):
    """Observed frequency against predicted probability per bin: calibration at a glance.

    Points on the diagonal are calibrated; below it the model over-predicts risk.
    """
    with style():
        ax = _axes(ax)
        top = 0.0
        for i, task in enumerate(tasks):
            curve = reliability_curve(
                _labels(cohort, task, against), predictions[task], n_bins=n_bins, strategy=strategy
            )
            ax.plot(curve["mean_predicted"], curve["observed"], "o-", color=colour(i), label=task)
            top = max(top, curve["mean_predicted"].max(), curve["observed"].max())
        top = min(1.0, top * 1.1 + 0.02)
        ax.plot([0, top], [0, top], color="grey", linewidth=0.8, linestyle=":")
        ax.set(
            xlabel="mean predicted probability",
            ylabel="observed frequency",
            title="Reliability diagram",
            xlim=(0, top),
            ylim=(0, top),
        )
        ax.legend(fontsize=8, loc="upper left")
    return ax


def metric_by_task(table: pd.DataFrame, *, metric: str = "auroc", ax=None):
    """One dot per task with its bootstrap interval, and the Bayes ceiling as a hollow mark.

    ``table`` is the output of :func:`m3h_lite.evaluate`. Tasks are grouped by department;
    the gap between dot and ring is what a better model could still gain.
    """
    rows = table[table["metric"] == metric]
    if rows.empty:
        raise ValueError(
            f"No rows for metric {metric!r}; metrics present: {sorted(set(table.metric))}."
        )
    rows = rows.sort_values(["department", "task"], ascending=False).reset_index(drop=True)
    with style():
        ax = _axes(ax, figsize=(6, 0.28 * len(rows) + 1))
        y = np.arange(len(rows))
        departments = list(dict.fromkeys(rows["department"]))
        palette = [c for c in OKABE_ITO if c != "#F0E442"] + ["#999999"]  # no pale yellow
        colours = {d: palette[i % len(palette)] for i, d in enumerate(departments)}
        for i, row in rows.iterrows():
            c = colours[row["department"]]
            if np.isfinite(row["ci_low"]):
                ax.plot([row["ci_low"], row["ci_high"]], [i, i], color=c, linewidth=2, alpha=0.6)
            ax.plot(row["value"], i, "o", color=c)
            if np.isfinite(row["ceiling"]):
                ax.plot(row["ceiling"], i, "o", markerfacecolor="none", markeredgecolor="black")
        ax.set_yticks(y, rows["task"])
        ax.set(xlabel=metric, title=f"{metric} per task (ring: Bayes ceiling)")
        handles = [
            ax.plot([], [], "o", color=colours[d], label=d)[0] for d in reversed(departments)
        ]
        ax.legend(handles=handles, fontsize=7, loc="best")
    return ax
