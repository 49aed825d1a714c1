"""One colour-blind-safe look for every figure (Okabe-Ito palette, Nature Methods 2011)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

OKABE_ITO: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)
MODALITY_COLOURS = {
    "tabular": OKABE_ITO[0],
    "timeseries": OKABE_ITO[1],
    "notes": OKABE_ITO[2],
    "images": OKABE_ITO[4],
}
RC_PARAMS = {
    "axes.prop_cycle": None,  # filled in lazily (needs matplotlib's cycler)
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "figure.dpi": 80,
    "savefig.dpi": 80,
    "font.size": 10,
    "axes.titlesize": 11,
    "figure.constrained_layout.use": True,
}


def colour(i: int) -> str:
    """The i-th colour of the palette (wraps around)."""
    return OKABE_ITO[i % len(OKABE_ITO)]


@contextmanager
def style() -> Iterator[None]:
    """Context manager applying the m3h_lite figure style.

    The backend is resolved before the style is applied, and matplotlib's interactive mode
    is kept on exit: otherwise the first figure of a Jupyter session switches the inline
    backend on *inside* the context, leaving it and no later figure would be shown.
    """
    import matplotlib as mpl
    from cycler import cycler

    mpl.get_backend()  # resolve the backend (and Jupyter's interactive mode) out here
    params = {**RC_PARAMS, "axes.prop_cycle": cycler(color=OKABE_ITO)}
    with mpl.rc_context(params):
        try:
            yield
        finally:
            interactive = mpl.is_interactive()
    mpl.interactive(interactive)
