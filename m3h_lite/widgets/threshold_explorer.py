"""Threshold explorer: move the decision threshold, watch each group's error rates move.

A model outputs a probability; a clinician acts on a yes/no. Where the line is drawn
decides who is missed, and a single threshold can miss far more patients in one group than
in another. The slider moves the threshold; a table and a figure show each group's TPR,
FPR and underdiagnosis rate. Without a widget frontend it shows a static figure and a text
summary of the starting threshold. Introduced in notebook 08.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from ._static import StaticFallbackBox, figure_png

if TYPE_CHECKING:
    from ..hospital.cohort import Cohort


class ThresholdExplorer(StaticFallbackBox):
    """Slider over the threshold; per-group TPR / FPR / underdiagnosis table and curves."""

    def __init__(
        self, cohort: Cohort, scores: Any, *, threshold: float = 0.5, **selection: Any
    ) -> None:
        """``selection``: ``task``, ``attribute``, ``value``, ``against``, as in
        :func:`~m3h_lite.fairness.audit.audit_subgroups`."""
        from ..fairness.audit import audit_inputs, subgroup_metrics

        self._y, self._p, self._groups, self._kind = audit_inputs(cohort, scores, **selection)
        self._task, self._against = selection["task"], selection.get("against", "true")
        self._metrics = subgroup_metrics  # validates the inputs once, below
        subgroup_metrics(self._y, self._p, self._groups.to_numpy(), threshold=threshold,
                         kind=self._kind, allow_undefined=True)  # fmt: skip
        self.slider = widgets.FloatSlider(
            value=float(threshold), min=0.01, max=0.99, step=0.01,
            description="threshold", continuous_update=False, readout_format=".2f",
        )  # fmt: skip
        self.table = widgets.HTML()
        self.image = widgets.Image(format="png")
        super().__init__([self.slider, self.table, self.image])
        self.slider.observe(self._on_slider, names="value")
        self._render()

    @property
    def threshold(self) -> float:
        return float(self.slider.value)

    def rates(self) -> Any:
        """Per-group TPR, FPR and underdiagnosis at the current threshold."""
        table = self._metrics(self._y, self._p, self._groups.to_numpy(), threshold=self.threshold,
                              kind=self._kind, allow_undefined=True)  # fmt: skip
        return table[["n", "positives", "tpr", "fpr", "underdiagnosis"]]

    def _on_slider(self, change: dict[str, Any]) -> None:
        self._render()

    def static_png(self) -> bytes:
        import matplotlib.pyplot as plt

        from ..plots.fairness import threshold_curves

        fig, ax = plt.subplots(figsize=(6, 3.5))
        threshold_curves(self._y, self._p, self._groups, current=self.threshold, ax=ax)
        ax.set_title(f"{self._task} by {self._groups.name} ({self._against} labels)")
        return figure_png(fig)

    def _render(self) -> None:
        self._png = self.static_png()
        self.image.value = self._png
        self.table.value = self.rates().round(3).to_html(classes="m3h-table")

    def description(self) -> str:
        rates = self.rates().drop(index="overall")
        parts = "; ".join(
            f"{html.unescape(str(g))}: underdiagnosis {r.underdiagnosis:.3f}, FPR {r.fpr:.3f}"
            for g, r in rates.iterrows()
        )
        return (
            f"Threshold explorer for {self._task} by {self._groups.name} ({self._against} "
            f"labels) at threshold {self.threshold:.2f}. {parts}. Move the slider to change "
            "the threshold (a static figure is shown where widgets cannot run)."
        )


def threshold_explorer(cohort: Cohort, scores: Any, *, task: str, attribute: str | Sequence[str],
                       **options: Any) -> ThresholdExplorer:  # fmt: skip
    """Explore the decision threshold group by group (ipywidgets 8; static fallback).

    Parameters as :func:`m3h_lite.fairness.audit.audit_subgroups`. Introduced in notebook 08.
    """
    return ThresholdExplorer(cohort, scores, task=task, attribute=attribute, **options)
