"""Figures for multimodal fusion: single modalities versus fusion, and Shapley values.

Introduced in notebook 03. Modalities keep their colours from ``MODALITY_COLOURS``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..hospital.config import MODALITIES
from .style import MODALITY_COLOURS, OKABE_ITO, style

_FUSION_STYLE = {
    "early": ("s", OKABE_ITO[7]),
    "late": ("^", OKABE_ITO[3]),
    "stacked": ("D", OKABE_ITO[5]),
}


def _axes(ax, figsize):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=figsize)[1]


def fusion_comparison(table: pd.DataFrame, *, ax=None):
    """Per task: each modality alone (small dots) and each fusion (larger marks).

    ``table`` is the output of :func:`m3h_lite.compare_fusion`.
    """
    rows = table.sort_values("department", ascending=False)
    with style():
        ax = _axes(ax, figsize=(7.5, 0.3 * len(rows) + 1))
        y = np.arange(len(rows))
        for modality in [m for m in MODALITIES if m in rows]:
            ax.plot(
                rows[modality],
                y,
                "o",
                color=MODALITY_COLOURS[modality],
                alpha=0.7,
                markersize=5,
                label=modality,
            )
        for how, (marker, c) in _FUSION_STYLE.items():
            if how in rows:
                ax.plot(
                    rows[how],
                    y,
                    marker,
                    color=c,
                    markerfacecolor="none",
                    markersize=8,
                    label=f"{how} fusion",
                )
        ax.set_yticks(y, rows.index)
        ax.set(xlabel="AUROC", title="Single modalities versus fusion")
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def shapley_bars(shapley: pd.DataFrame, *, by_department: bool = False, ax=None):
    """Stacked bars: each modality's Shapley value per task (or mean per department).

    ``shapley`` is the output of :func:`m3h_lite.modality_shapley`; the bar lengths add up
    to the fused model's AUROC gain over chance (0.5).
    """
    modalities = [m for m in MODALITIES if m in shapley]
    data = (
        shapley.groupby("department")[modalities].mean()
        if by_department
        else (shapley.sort_values("department")[modalities])
    )
    data = data.iloc[::-1]
    with style():
        ax = _axes(ax, figsize=(7.5, 0.3 * len(data) + 1))
        y = np.arange(len(data))
        left_pos = np.zeros(len(data))
        left_neg = np.zeros(len(data))
        for modality in modalities:
            values = data[modality].to_numpy()
            left = np.where(values >= 0, left_pos, left_neg)
            ax.barh(y, values, left=left, color=MODALITY_COLOURS[modality], label=modality)
            left_pos += np.clip(values, 0, None)
            left_neg += np.clip(values, None, 0)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_yticks(y, data.index)
        what = "department (mean)" if by_department else "task"
        ax.set(
            xlabel="Shapley value (AUROC points above chance)",
            title=f"What each modality adds, per {what}",
        )
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax
