"""Interactive views (ipywidgets 8) that degrade to a static figure without a widget frontend.

Widgets sit on top of the library: nothing in the core imports them.
"""

# -- patient card (notebook 01) --
from .patient_card import PatientCard, patient_card

# -- threshold explorer (notebook 08) --
from .threshold_explorer import ThresholdExplorer, threshold_explorer

__all__ = ["PatientCard", "ThresholdExplorer", "patient_card", "threshold_explorer"]
