"""Figures for the course, one submodule per topic, all in one colour-blind-safe style.

Plots sit on top of the library: nothing in the core imports them. Each function returns
the matplotlib ``Axes`` (or ``Figure``) it drew on, so notebooks can end a cell with ``;``.
Submodules import matplotlib when first used, never when ``m3h_lite`` is imported.
"""

# ruff: noqa: I001  (imports are grouped by course section, not alphabetically)
from .style import MODALITY_COLOURS, OKABE_ITO, colour, style

# -- the cohort (notebooks 00-01) --
from . import cohort as cohort
from .cohort import image_grid as image_grid
from .cohort import patient_card_figure as patient_card_figure
from .cohort import prevalence_bars as prevalence_bars
from .cohort import site_overview as site_overview
from .cohort import vital_signs as vital_signs

# -- evaluation and fusion (notebooks 02-03) --
# isort: split
from .evaluation import metric_by_task, reliability_diagram, roc_curves
from .fusion import fusion_comparison, shapley_bars

# -- multitask, attention, TIM (notebooks 04-07) --
# isort: split
from . import multitask

# -- fairness (notebooks 08-10) --
from . import fairness as fairness
from .fairness import encoding_vs_gap as encoding_vs_gap
from .fairness import group_metric_bars as group_metric_bars
from .fairness import id_vs_ood as id_vs_ood
from .fairness import mean_images as mean_images
from .fairness import threshold_curves as threshold_curves

__all__ = [
    "MODALITY_COLOURS",
    "OKABE_ITO",
    "colour",
    "style",
    # the cohort
    "cohort",
    "image_grid",
    "patient_card_figure",
    "prevalence_bars",
    "site_overview",
    "vital_signs",
    # evaluation and fusion
    "fusion_comparison",
    "metric_by_task",
    "reliability_diagram",
    "roc_curves",
    "shapley_bars",
    # multitask, attention, TIM
    "multitask",
]
__all__ += [
    "fairness",
    "encoding_vs_gap",
    "group_metric_bars",
    "id_vs_ood",
    "mean_images",
    "threshold_curves",
]
