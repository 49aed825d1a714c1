"""Figures for the course, one submodule per topic, all in one colour-blind-safe style.

Plots sit on top of the library: nothing in the core imports them. Each function returns
the matplotlib ``Axes`` (or ``Figure``) it drew on, so notebooks can end a cell with ``;``.
"""

from .style import MODALITY_COLOURS, OKABE_ITO, colour, style

__all__ = ["MODALITY_COLOURS", "OKABE_ITO", "colour", "style"]
