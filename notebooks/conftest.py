"""nbval settings for the course notebooks: run cells as JupyterLab does.

1. nbval 0.10+ executes cells with ``store_history=False``. IPython decides whether a
   trailing ``;`` silences a cell's result by reading the *history*, so under nbval every
   plot cell ending in ``;`` would gain an extra ``<Figure ...>`` result that JupyterLab
   (and ``m3h-lite run``) never produce, and strict comparison fails. Known upstream:
   computationalmodelling/nbval#194 and ipython/ipython#14162. We execute with history;
   execution counts are not compared, so nothing else changes.
2. ``tests/conftest.py`` sets ``MPLBACKEND=Agg`` for the unit tests. A kernel inheriting it
   would draw no inline figures, so the kernels start without it.
"""

import os

from nbval.kernel import RunningKernel

_original_init = RunningKernel.__init__


def _init_without_agg(self, *args, **kwargs):
    saved = os.environ.pop("MPLBACKEND", None)
    try:
        _original_init(self, *args, **kwargs)
    finally:
        if saved is not None:
            os.environ["MPLBACKEND"] = saved


def _execute_cell_input(self, cell_input, allow_stdin=None):
    return self.kc.execute(
        cell_input, store_history=True, allow_stdin=allow_stdin, stop_on_error=False
    )


RunningKernel.__init__ = _init_without_agg
RunningKernel.execute_cell_input = _execute_cell_input
