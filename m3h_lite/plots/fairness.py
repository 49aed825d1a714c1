"""Fairness figures: group metrics with intervals, encoding vs gap, ID vs OOD gaps, thresholds.

Introduced in notebooks 08-10. Each function returns the matplotlib ``Axes`` it drew on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .style import colour, style


def _axes(ax: Any, size: tuple[float, float] = (5.5, 3.5)) -> Any:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=size)[1]


def group_metric_bars(audit: Any, *, metric: str = "underdiagnosis", ax: Any = None) -> Any:
    """One bar per group for a metric of an :class:`~m3h_lite.fairness.audit.Audit`, with CIs."""
    table = audit.table.drop(index="overall")
    if metric not in table:
        raise KeyError(f"Unknown metric {metric!r}; use one of {list(table.columns)}.")
    with style():
        ax = _axes(ax)
        x = np.arange(len(table))
        values = table[metric].to_numpy(dtype=float)
        err = None
        if f"{metric}_low" in table:
            low = np.maximum(values - table[f"{metric}_low"].to_numpy(dtype=float), 0)
            high = np.maximum(table[f"{metric}_high"].to_numpy(dtype=float) - values, 0)
            err = np.vstack([low, high])
        ax.bar(x, values, yerr=err, color=[colour(i) for i in range(len(x))], capsize=4)
        ax.axhline(audit.table.loc["overall", metric], color="black", ls="--", lw=1,
                   label="overall")  # fmt: skip
        ax.set_xticks(x, table.index, rotation=30 if len(x) > 4 else 0, ha="right"
                      if len(x) > 4 else "center")  # fmt: skip
        ax.set_ylabel(metric)
        ax.set_title(f"{audit.task}: {metric} by {audit.attribute} ({audit.against} labels)")
        ax.legend(frameon=False)
    return ax


def encoding_vs_gap(
    results: pd.DataFrame, *, x: str = "encoding", y: str = "gap", hue: str | None = "shortcut",
    ax: Any = None,
) -> Any:  # fmt: skip
    """Scatter of a model family's attribute encoding against its fairness gap, with a fit."""
    with style():
        ax = _axes(ax)
        if hue is not None and hue in results:
            for i, (name, part) in enumerate(results.groupby(hue, sort=True)):
                ax.scatter(part[x], part[y], color=colour(i), label=f"{hue}={name}", s=30)
            ax.legend(frameon=False, fontsize=8)
        else:
            ax.scatter(results[x], results[y], color=colour(0), s=30)
        slope, intercept = np.polyfit(results[x], results[y], 1)
        grid = np.linspace(results[x].min(), results[x].max(), 50)
        r = np.corrcoef(results[x], results[y])[0, 1]
        ax.plot(grid, intercept + slope * grid, color="black", lw=1, label=f"fit (r = {r:.2f})")
        ax.set_xlabel("attribute encoding (probe AUROC)" if x == "encoding" else x)
        ax.set_ylabel("underdiagnosis gap" if y == "gap" else y)
        ax.set_title(f"r = {r:.2f} across {len(results)} models")
    return ax


def id_vs_ood(results: pd.DataFrame, *, metrics: Sequence[str] = ("gap", "auroc")) -> Any:
    """Side-by-side scatter of in-distribution vs new-site values (one panel per metric)."""
    import matplotlib.pyplot as plt

    with style():
        fig, axes = plt.subplots(1, len(metrics), figsize=(4.2 * len(metrics), 3.5))
        for ax, metric in zip(np.atleast_1d(axes), metrics, strict=True):
            a, b = results[f"id_{metric}"], results[f"ood_{metric}"]
            ax.scatter(a, b, color=colour(0 if metric == "gap" else 2), s=30)
            r = np.corrcoef(a, b)[0, 1]
            lo, hi = min(a.min(), b.min()), max(a.max(), b.max())
            ax.plot([lo, hi], [lo, hi], color="grey", ls=":", lw=1)
            ax.set_xlabel(f"{metric} at the training sites")
            ax.set_ylabel(f"{metric} at the new site")
            ax.set_title(f"{metric}: r = {r:.2f}")
    return axes


def threshold_curves(
    y_true: Any, prob: Any, groups: Any, *, thresholds: Any = None, current: float | None = None,
    ax: Any = None,
) -> Any:  # fmt: skip
    """Each group's TPR and FPR as the decision threshold moves."""
    y = np.asarray(y_true).astype(int)
    p = np.asarray(prob, dtype=float)
    g = np.asarray(groups, dtype=str)
    grid = np.linspace(0.01, 0.99, 99) if thresholds is None else np.asarray(thresholds)
    with style():
        ax = _axes(ax)
        for i, name in enumerate(sorted(set(g))):
            m = g == name
            pos, neg = m & (y == 1), m & (y == 0)
            tpr = [(p[pos] >= t).mean() if pos.any() else np.nan for t in grid]
            fpr = [(p[neg] >= t).mean() if neg.any() else np.nan for t in grid]
            ax.plot(grid, tpr, color=colour(i), label=f"{name} TPR")
            ax.plot(grid, fpr, color=colour(i), ls="--", label=f"{name} FPR")
        if current is not None:
            ax.axvline(current, color="black", lw=1)
        ax.set_xlabel("decision threshold")
        ax.set_ylabel("rate")
        ax.legend(frameon=False, fontsize=8, ncol=2)
    return ax


def mean_images(means: dict[str, Any], *, difference_range: float = 20.0) -> Any:
    """The group mean images side by side, and their difference on its own grey scale."""
    import matplotlib.pyplot as plt

    with style():
        fig, axes = plt.subplots(1, len(means), figsize=(3 * len(means), 3))
        for ax, (name, image) in zip(np.atleast_1d(axes), means.items(), strict=True):
            if name == "difference":
                shown = ax.imshow(image, cmap="RdBu_r", vmin=-difference_range,
                                  vmax=difference_range)  # fmt: skip
                fig.colorbar(shown, ax=ax, shrink=0.8, label="grey levels")
            else:
                ax.imshow(image, cmap="gray", vmin=0, vmax=255)
            ax.set_title(name)
            ax.axis("off")
    return axes
