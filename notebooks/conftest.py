"""nbval settings for the course notebooks.

nbval 0.10+ executes cells with ``store_history=False``. IPython decides whether a trailing
``;`` silences a cell's result by reading the *history*, so under nbval every plot cell
ending in ``;`` gains an extra ``<Figure ...>`` / ``<Axes ...>`` result that JupyterLab
(and ``m3h-lite run``) never produce, and strict comparison fails. Known upstream:
computationalmodelling/nbval#194 and ipython/ipython#14162. We execute with history, as
JupyterLab does; execution counts are not compared, so nothing else changes.
"""

from nbval.kernel import RunningKernel


def _execute_cell_input(self, cell_input, allow_stdin=None):
    return self.kc.execute(
        cell_input, store_history=True, allow_stdin=allow_stdin, stop_on_error=False
    )


RunningKernel.execute_cell_input = _execute_cell_input
