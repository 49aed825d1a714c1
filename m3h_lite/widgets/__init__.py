"""Interactive views (ipywidgets 8) that degrade to a static figure without a widget frontend.

Widgets sit on top of the library: nothing in the core imports them.
"""

# -- patient card (notebook 01) --
# -- threshold explorer (notebook 08) --
from .threshold_explorer import ThresholdExplorer, threshold_explorer  # noqa: E402, F401
