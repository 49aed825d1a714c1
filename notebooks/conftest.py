"""nbval settings for the course notebooks: run cells as JupyterLab does, compare numbers
within a tolerance.

1. nbval 0.10+ executes cells with ``store_history=False``. IPython decides whether a
   trailing ``;`` silences a cell's result by reading the *history*, so under nbval every
   plot cell ending in ``;`` would gain an extra ``<Figure ...>`` result that JupyterLab
   (and ``m3h-lite run``) never produce, and strict comparison fails. Known upstream:
   computationalmodelling/nbval#194 and ipython/ipython#14162. We execute with history;
   execution counts are not compared, so nothing else changes.
2. ``tests/conftest.py`` sets ``MPLBACKEND=Agg`` for the unit tests. A kernel inheriting it
   would draw no inline figures, so the kernels start without it.
3. nbval has no numeric tolerance, and other CPUs give other last digits. Before nbval's own
   comparison, each fresh text output that matches its stored one under
   :mod:`m3h_lite.course.output_compare` (same words, numbers within the cell's tolerance)
   is replaced by the stored text; anything else reaches nbval unchanged and fails there,
   with the tolerance's reason added to the report.
"""

import copy
import os

from nbval.kernel import RunningKernel
from nbval.plugin import IPyNbCell

from m3h_lite.course.output_compare import compare_text, tolerance_for_tags

_original_init = RunningKernel.__init__
_original_compare = IPyNbCell.compare_outputs


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


def _text_slots(outputs, skip):
    """(key, container, field) for every text value, keyed as nbval flattens outputs."""
    slots = []
    for output in outputs:
        if output.get("output_type") == "stream":
            slots.append((output.get("name"), output, "text"))
            continue
        for key, value in output.items():
            if key in skip:
                continue
            if key == "data":
                slots += [(k, value, k) for k in value if k not in skip]
            else:
                slots.append((key, output, key))
    return [slot for slot in slots if isinstance(slot[1][slot[2]], str)]


def _compare_within_tolerance(self, test, ref, skip_compare=None):
    skip = skip_compare or self.parent.skip_compare
    tolerance = tolerance_for_tags(self.cell.metadata.get("tags"))
    test = copy.deepcopy(test)
    stored_by_key: dict = {}
    for key, container, field in _text_slots(ref, skip):
        stored_by_key.setdefault(key, []).append(container[field])
    seen: dict = {}
    reasons = []
    for key, container, field in _text_slots(test, skip):
        position = seen[key] = seen.get(key, -1) + 1
        if position >= len(stored_by_key.get(key, [])):
            continue  # nbval reports the missing or extra output itself
        stored = stored_by_key[key][position]
        reason = compare_text(self.sanitize(stored), self.sanitize(container[field]), tolerance)
        if reason is None:
            container[field] = stored
        else:
            reasons.append(f"{key}: {reason}")
    same = _original_compare(self, test, ref, skip_compare)
    if not same and reasons:
        self.comparison_traceback.append("Numeric comparison: " + "; ".join(reasons))
    return same


RunningKernel.__init__ = _init_without_agg
RunningKernel.execute_cell_input = _execute_cell_input
IPyNbCell.compare_outputs = _compare_within_tolerance
