"""Figures of the cohort: images, vital signs, sites, recorded versus true prevalence.

Every function takes a :class:`~m3h_lite.Cohort`, draws in the m3h_lite style and returns
the matplotlib ``Figure`` or ``Axes``. matplotlib is imported inside the functions, so
importing this module stays cheap. Introduced in notebook 01.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..hospital.records import patient_position, patient_record
from .style import OKABE_ITO, style

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..hospital.cohort import Cohort

CHANNEL_TITLES = {
    "heart_rate_bpm": "Heart rate (beats/min)",
    "sbp_mmHg": "Systolic BP (mmHg)",
    "dbp_mmHg": "Diastolic BP (mmHg)",
    "resp_rate_per_min": "Respiratory rate (/min)",
    "spo2_pct": "SpO2 (%)",
    "temp_c": "Temperature (°C)",
}
SHORT_NAMES = {
    "heart_rate_bpm": "HR",
    "sbp_mmHg": "SBP",
    "dbp_mmHg": "DBP",
    "resp_rate_per_min": "RR",
    "spo2_pct": "SpO2",
    "temp_c": "Temp",
}


def _check_column(cohort: Cohort, by: str) -> pd.Series:
    if by not in cohort.groups.columns:
        raise KeyError(f"Unknown grouping {by!r}; choose one of {list(cohort.groups.columns)}.")
    return cohort.groups[by]


def image_grid(cohort: Cohort, *, by: str | None = "site", per_group: int = 6) -> Figure:
    """Chest images in a grid: one row per group (e.g. per site), the first patients of each.

    Rows of different sites show their scanners' brightness, contrast and noise.

    Parameters
    ----------
    by : a column of ``cohort.groups`` (``"site"``, ``"sex"``, ...) or ``None`` for one row.
    per_group : images per row.
    """
    import matplotlib.pyplot as plt

    if per_group < 1:
        raise ValueError(f"per_group must be at least 1, got {per_group}.")
    if by is None:
        rows = {"all patients": np.arange(min(per_group, len(cohort)))}
    else:
        column = _check_column(cohort, by)
        rows = {
            str(level): np.flatnonzero((column == level).to_numpy())[:per_group]
            for level in column.cat.categories
        }
    with style():
        fig, axes = plt.subplots(
            len(rows),
            per_group,
            figsize=(1.4 * per_group, 1.5 * len(rows)),
            squeeze=False,
            layout="constrained",
        )
        for r, (level, positions) in enumerate(rows.items()):
            for c in range(per_group):
                ax = axes[r, c]
                ax.set_xticks([])
                ax.set_yticks([])
                ax.grid(False)
                if c < len(positions):
                    ax.imshow(cohort.images[positions[c]], cmap="gray", vmin=0, vmax=255)
                    ax.set_title(str(cohort.patient_ids[positions[c]]), fontsize=8)
                else:
                    ax.axis("off")
            axes[r, 0].set_ylabel(level)
        fig.suptitle("Chest images" + (f" by {by}" if by else ""))
    return fig


def vital_signs(
    cohort: Cohort,
    patients: Sequence[str | int] | str | int,
    *,
    channels: Sequence[str] | None = None,
) -> Figure:
    """Hourly vital signs of a few patients, one panel per channel, reference range shaded."""
    import matplotlib.pyplot as plt

    patients = [patients] if isinstance(patients, str | int) else list(patients)
    if not patients:
        raise ValueError("Give at least one patient (an id like 'P000001' or a position).")
    all_channels = list(cohort.timeseries_channels)
    channels = all_channels if channels is None else list(channels)
    unknown = [ch for ch in channels if ch not in all_channels]
    if unknown:
        raise KeyError(f"Unknown vital-sign channel(s) {unknown}; choose from {all_channels}.")
    positions = [patient_position(cohort, p) for p in patients]
    info = cohort.feature_info
    ncols = min(3, len(channels))
    nrows = -(-len(channels) // ncols)
    hours = np.arange(cohort.timeseries.shape[1])
    with style():
        fig, axes = plt.subplots(
            nrows, ncols, figsize=(3.6 * ncols, 2.3 * nrows), squeeze=False, sharex=True
        )
        for k, channel in enumerate(channels):
            ax = axes.flat[k]
            j = all_channels.index(channel)
            if channel in info.index:
                ax.axhspan(
                    info.loc[channel, "reference_low"],
                    info.loc[channel, "reference_high"],
                    color="0.85",
                    alpha=0.5,
                    lw=0,
                    label="reference range",
                )
            for i, pos in enumerate(positions):
                ax.plot(
                    hours,
                    cohort.timeseries[pos, :, j],
                    color=OKABE_ITO[i % len(OKABE_ITO)],
                    lw=1.2,
                    label=str(cohort.patient_ids[pos]),
                )
            ax.set_title(CHANNEL_TITLES.get(channel, channel))
            if k // ncols == nrows - 1:
                ax.set_xlabel("hour since admission")
        for ax in list(axes.flat)[len(channels) :]:
            ax.axis("off")
        axes.flat[0].legend(fontsize=8, loc="best")
    return fig


def prevalence_bars(
    cohort: Cohort, *, tasks: Sequence[str] | None = None, ax: Axes | None = None
) -> Axes:
    """Recorded versus true prevalence of each diagnosis: the gap is underdiagnosis."""
    import matplotlib.pyplot as plt

    prevalence = cohort.prevalence()
    names = cohort.tasks.diagnoses if tasks is None else cohort.tasks.check(tasks)
    missing = [n for n in names if n not in prevalence.index]
    if missing:
        raise ValueError(f"Prevalence is defined for binary tasks only, not {missing}.")
    prevalence = prevalence.loc[names]
    y = np.arange(len(names))
    with style():
        if ax is None:
            _, ax = plt.subplots(figsize=(6.5, 0.3 * len(names) + 1.2))
        ax.barh(y - 0.2, prevalence["true"], height=0.4, color=OKABE_ITO[0], label="true")
        ax.barh(y + 0.2, prevalence["recorded"], height=0.4, color=OKABE_ITO[1], label="recorded")
        ax.set_yticks(y, [cohort.tasks[n].title for n in names])
        ax.invert_yaxis()
        ax.set_xlabel("prevalence (share of patients)")
        ax.set_title("Recorded labels miss some true diagnoses")
        ax.legend(loc="lower right")
    return ax


def site_overview(cohort: Cohort) -> Figure:
    """How the sites differ: age, race/ethnicity mix, case mix (true phenotype), image style."""
    import matplotlib.pyplot as plt

    site = cohort.groups["site"]
    sites = list(site.cat.categories)
    with style():
        fig, axes = plt.subplots(1, 4, figsize=(14, 3.4))
        ages = [cohort.tabular["age"].to_numpy()[(site == s).to_numpy()] for s in sites]
        axes[0].boxplot(ages, tick_labels=sites, showfliers=False)
        axes[0].set_title("Age (years)")
        for ax, frame, title in (
            (axes[1], cohort.groups["race_ethnicity"], "Race/ethnicity mix"),
            (axes[2], cohort.truth.phenotype, "Case mix (true phenotype)"),
        ):
            shares = pd.crosstab(site, frame, normalize="index")
            left = np.zeros(len(sites))
            for i, column in enumerate(shares.columns):
                ax.barh(sites, shares[column], left=left, color=OKABE_ITO[i % 8], label=str(column))
                left += shares[column].to_numpy()
            ax.invert_yaxis()
            ax.set_xlim(0, 1)
            ax.set_title(title)
            ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3)
        brightness = [cohort.images[(site == s).to_numpy()].mean() for s in sites]
        axes[3].bar(sites, brightness, color=[OKABE_ITO[i] for i in range(len(sites))])
        axes[3].set_title("Mean image brightness (scanner)")
        axes[3].set_ylabel("grey level (0-255)")
    return fig


def patient_card_figure(cohort: Cohort, patient: str | int) -> Figure:
    """One patient on one page: summary and abnormal results, vitals, image, note, labels.

    The static view of :func:`m3h_lite.widgets.patient_card` (for nbviewer, GitHub, print).
    """
    import matplotlib.pyplot as plt

    record = patient_record(cohort, patient)
    m = record.measurements
    flagged = m[m["flag"].isin(["L", "H"])]
    lines = [f"{r.label}: {r.value:g} {r.unit} ({r.flag})" for r in flagged.itertuples()]
    not_done = m.index[m["flag"] == "not done"]
    d = record.diagnoses
    recorded = [cohort.tasks[n].title for n in d.index[d["recorded"] == 1]]
    true = [cohort.tasks[n].title for n in d.index[d["true"] == 1]]
    missed = [cohort.tasks[n].title for n in record.missed_diagnoses]
    with style():
        fig = plt.figure(figsize=(11, 6.6))
        grid = fig.add_gridspec(
            4, 3, height_ratios=[1, 1, 0.8, 0.9], width_ratios=[1.15, 1.25, 0.8]
        )
        text = fig.add_subplot(grid[0:3, 0])
        text.axis("off")
        body = [record.summary(), "", "Abnormal results:", *(lines or ["none"])]
        if len(not_done):
            body += ["", f"Not done: {len(not_done)} test(s)"]
        text.text(0, 1, "\n".join(body), va="top", fontsize=8.5, family="monospace")
        panels = (
            (("heart_rate_bpm", "sbp_mmHg", "dbp_mmHg"), "Heart rate (/min), BP (mmHg)"),
            (("resp_rate_per_min", "spo2_pct"), "Resp. rate (/min), SpO2 (%)"),
            (("temp_c",), "Temperature (°C)"),
        )
        for k, (channels, title) in enumerate(panels):
            ax = fig.add_subplot(grid[k, 1])
            for i, ch in enumerate(channels):
                ax.plot(
                    record.vitals[ch], color=OKABE_ITO[i], lw=1.1, label=SHORT_NAMES.get(ch, ch)
                )
            ax.set_title(title, fontsize=9)
            if len(channels) > 1:
                ax.legend(fontsize=7, loc="upper right", ncol=3)
        ax.set_xlabel("hour since admission")
        image = fig.add_subplot(grid[0:3, 2])
        image.imshow(record.image, cmap="gray", vmin=0, vmax=255)
        image.set_title("Chest image")
        image.set_xticks([])
        image.set_yticks([])
        image.grid(False)
        bottom = fig.add_subplot(grid[3, :])
        bottom.axis("off")
        note = textwrap.fill("Note: " + record.note, 130)
        labels = "Recorded diagnoses: " + (", ".join(recorded) or "none")
        labels += "\nTrue diagnoses (the simulator's truth): " + (", ".join(true) or "none")
        labels += "\nTrue diagnoses missing from the record: " + (", ".join(missed) or "none")
        bottom.text(0, 1, note + "\n\n" + labels, va="top", fontsize=9)
        fig.suptitle(f"Patient card {record.patient_id} (synthetic patient)", fontsize=12)
    return fig
