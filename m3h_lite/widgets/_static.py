"""A widget box that still shows something where no widget frontend runs.

Without a widget frontend (nbval, GitHub, nbviewer, a PDF) a widget displays nothing but its
text repr. :class:`StaticFallbackBox` adds, next to the widget view, a PNG of its current
state and a stable text description, so the notebook still teaches. Used by the patient card (notebook 01) and the threshold explorer (notebook 08).
"""

from __future__ import annotations

import base64
import io
from typing import Any

import ipywidgets as widgets


def figure_png(fig: Any) -> bytes:
    """PNG bytes of a matplotlib figure (the figure is closed)."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


class StaticFallbackBox(widgets.VBox):
    """VBox whose rich repr carries ``image/png`` and ``text/plain`` fallbacks.

    Subclasses override :meth:`static_png` (bytes of the current state) and
    :meth:`description` (deterministic text: no timings, no memory addresses). The defaults
    give a plain description and no picture.
    """

    def static_png(self) -> bytes | None:
        """PNG of the current state, or ``None`` for no static picture."""
        return None

    def description(self) -> str:
        """Stable text shown where neither widgets nor images render."""
        return f"{type(self).__name__}: an interactive view; run the notebook in JupyterLab."

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data = dict(super()._repr_mimebundle_(**kwargs) or {})
        data["text/plain"] = self.description()
        png = self.static_png()
        if png is not None:
            data["image/png"] = base64.b64encode(png).decode("ascii")
        return data
