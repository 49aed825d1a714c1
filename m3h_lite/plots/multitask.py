"""Figures for multitask learning, task attention and TIM (notebooks 04-07)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .style import OKABE_ITO, style


def _axes(ax, figsize):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def gain_bars(table: pd.DataFrame, *, ax=None):
    """Relative AUROC gain of multitask over single-task per task, rarest at the top."""
    with style():
        ax = _axes(ax, (6, 0.3 * len(table) + 1))
        gains = table["relative_gain_pct"][::-1]
        colours = [OKABE_ITO[2] if g > 0 else OKABE_ITO[3] for g in gains]
        labels = [
            f"{t} ({n})" for t, n in zip(gains.index, table["train_positives"][::-1], strict=True)
        ]
        ax.barh(labels, gains.to_numpy(), color=colours)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_xlabel("relative AUROC gain of multitask (%)")
        ax.set_title("Multitask vs single-task (training positives in brackets)")
    return ax


def gain_vs_prevalence(table: pd.DataFrame, *, ax=None):
    """Gain (AUROC points) against the number of training positives (log scale)."""
    with style():
        ax = _axes(ax, (5, 3.5))
        ax.scatter(table["train_positives"], table["gain"], color=OKABE_ITO[0])
        for task, row in table.iterrows():
            ax.annotate(task, (row["train_positives"], row["gain"]), fontsize=7, alpha=0.7)
        ax.set_xscale("log")
        ax.axhline(0, color="black", lw=0.8)
        ax.set_xlabel("training positives")
        ax.set_ylabel("AUROC gain (multitask - single)")
    return ax


def alpha_sweep(sweep: pd.DataFrame, *, ax=None):
    """Mean test AUROC (and one line per chosen task) against the attention's alpha."""
    with style():
        ax = _axes(ax, (5, 3.5))
        for i, column in enumerate(sweep.columns):
            lw = 2.5 if column == "mean" else 1.0
            ax.plot(
                sweep.index, sweep[column], marker="o", lw=lw, label=column, color=OKABE_ITO[i % 8]
            )
        ax.set_xscale("symlog", linthresh=0.5)
        ax.set_xlabel("alpha (0 = self-exploitation only; large = cross-exploration)")
        ax.set_ylabel("test AUROC")
        ax.legend(fontsize=7)
    return ax


def attention_heatmap(weights: pd.DataFrame, *, ax=None, title: str = "Task attention"):
    """Heatmap of a T x T attention matrix; rows read from columns."""
    return _heatmap(weights, ax=ax, title=title, cmap="Blues")


def _heatmap(matrix: pd.DataFrame, *, ax=None, title: str, cmap: str, centre: bool = False):
    with style():
        ax = _axes(ax, (0.35 * len(matrix.columns) + 2.5, 0.35 * len(matrix) + 1.5))
        values = matrix.to_numpy(dtype=float)
        kwargs = {}
        if centre:
            bound = np.nanmax(np.abs(values)) or 1.0
            kwargs = {"vmin": -bound, "vmax": bound}
        image = ax.imshow(values, cmap=cmap, **kwargs)
        ax.set_xticks(range(len(matrix.columns)), matrix.columns, rotation=90, fontsize=7)
        ax.set_yticks(range(len(matrix.index)), matrix.index, fontsize=7)
        ax.grid(False)
        ax.set_title(title)
        ax.figure.colorbar(image, ax=ax, shrink=0.8)
    return ax


def tim_vs_truth(tim: pd.DataFrame, truth: pd.DataFrame, *, attention: pd.DataFrame | None = None):
    """TIM matrix, (optionally) the attention view and the true task relations side by side."""
    import matplotlib.pyplot as plt

    tasks = list(tim.index)
    panels = [("TIM (retraining)", tim, "RdBu", True)]
    if attention is not None:
        panels.append(("attention view", attention.loc[tasks, tasks], "Blues", False))
    true = truth.loc[tasks, tasks].copy()
    true_values = true.to_numpy(dtype=float, copy=True)
    np.fill_diagonal(true_values, np.nan)
    panels.append(
        (
            "truth: shared factors",
            pd.DataFrame(true_values, index=tasks, columns=tasks),
            "Greens",
            False,
        )
    )
    with style():
        fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 4))
        for ax, (title, matrix, cmap, centre) in zip(np.atleast_1d(axes), panels, strict=True):
            _heatmap(matrix, ax=ax, title=title, cmap=cmap, centre=centre)
    return fig


def cluster_crosstab(table: pd.DataFrame, *, ax=None):
    """Heatmap of a cluster x true-phenotype contingency table."""
    return _heatmap(table, ax=ax, title="Clusters vs true phenotypes", cmap="Purples")


def learning_curves(history, *, ax=None):
    """Training and validation loss per epoch of a fitted model, its best epoch marked.

    ``history`` is a fitted ``M3HModel``'s ``history_`` (or the fitted model itself). The
    losses are summed over the model's tasks; the dashed line marks the epoch of the lowest
    validation loss (whose weights the model keeps), and the ticks along the bottom the best
    epoch of each task (per-task early stopping). Epochs are counted from 1. The first
    epochs, when the loss is still far above its lowest, may run off the top so that the
    part where the two curves part is readable.
    """
    history = getattr(history, "history_", history)
    val = np.asarray(getattr(history, "val_loss", ()), dtype=float)
    if val.size == 0:
        raise ValueError(
            "learning_curves needs a fitted model's history_ with validation losses; "
            "fit the model first (e.g. M3HModel().fit(train, val_cohort=val))."
        )
    train = np.asarray(history.train_loss, dtype=float)
    epochs = np.arange(1, len(val) + 1)
    best = int(history.best_epoch) + 1
    with style():
        ax = _axes(ax, (5, 3.2))
        if len(train) == len(val):
            ax.plot(epochs, train, color=OKABE_ITO[0], label="training loss")
        ax.plot(epochs, val, color=OKABE_ITO[1], lw=2, label="validation loss")
        ax.axvline(best, color="black", ls="--", lw=0.8)
        ax.scatter([best], [val[best - 1]], color="black", zorder=3, s=20)
        ax.plot(
            [],
            [],
            color="black",
            ls="--",
            lw=0.8,
            marker="o",
            ms=4,
            label=f"lowest validation loss (epoch {best})",
        )
        task_best = np.asarray(getattr(history, "task_best_epoch", ()), dtype=int) + 1
        if len(task_best) > 1:
            ax.plot(
                task_best,
                np.full(len(task_best), 0.04),
                "|",
                ms=10,
                color=OKABE_ITO[3],
                transform=ax.get_xaxis_transform(),
                label="best epoch of each task",
            )
        shown = np.concatenate([val, train]) if len(train) == len(val) else val
        top = 1.5 * val.min()
        if shown.max() > top:
            ax.set_ylim(min(shown.min(), val.min()) * 0.9, top)
        ax.set_xlabel("epoch (one pass through the training patients)")
        ax.set_ylabel("loss, summed over tasks")
        ax.legend(fontsize=8)
    return ax
