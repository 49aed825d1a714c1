"""Compare a notebook's stored text output with a fresh run, allowing floating-point noise.

Why: bit-identical floats across CPUs are not attainable with stock wheels (OpenBLAS and
PyTorch pick kernels by instruction set), so a stored ``0.857`` may come back as ``0.858``
on a learner's laptop. Strict nbval would call that a failure; a plain ``--nbval-lax`` would
stop checking almost everything. This module keeps every check nbval makes except one:

* every non-numeric character must match exactly (words, labels, column names, newlines,
  table shape); runs of spaces and tabs count as one space, because pandas re-pads a
  column when a value gains a digit or a minus sign;
* the numbers must be as many, in the same places, and each within a stated tolerance of
  the stored one: ``|fresh - stored| <= abs + rel * |stored|``.

Three tolerances exist (see ``notebooks/README.md``):

``float`` (the default)
    For numbers from deterministic numerics (scikit-learn fits, metrics, bootstraps): a
    last-digit wobble. Integers (counts, sizes, ids) must match exactly.
``training``
    For a cell whose numbers come from training a neural network: thousands of
    optimisation steps amplify a last-bit difference into a visible one. A cell opts in
    with the cell tag ``nbval-tolerance-training``; integers may then move too.
``adversarial``
    For a cell whose numbers include adversarially trained networks (DANN's gradient
    reversal, notebooks 09-10), the least stable training in the course: another CPU
    kernel moves a probe AUROC, a gap or a bootstrap bound by up to about 0.15. Cell tag
    ``nbval-tolerance-adversarial``. The lessons of such a cell are guarded by claims
    tests on their direction, not by its digits.

Used by ``notebooks/conftest.py`` (the nbval hook) and tested in
``tests/test_output_compare.py``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

__all__ = [
    "TOLERANCES",
    "TAG_PREFIX",
    "Tolerance",
    "compare_text",
    "tolerance_for_tags",
]


@dataclass(frozen=True)
class Tolerance:
    """How far a fresh number may be from the stored one: ``abs + rel * |stored|``.

    Integers (numbers written without a decimal point: counts, sizes) may move by
    ``integer_abs + rel * |stored|``; with ``integer_abs=0`` and ``integers=False`` they must
    match exactly. Numbers in scientific notation are compared relatively only, since an
    absolute allowance would swallow ``1e-05``.
    """

    name: str
    abs: float
    rel: float
    integers: bool = False
    integer_abs: float = 0.0

    def allowed(self, stored: float, *, kind: str) -> float:
        """The largest difference allowed for a number of this ``kind`` (int, sci, float)."""
        if kind == "int":
            return self.integer_abs + self.rel * abs(stored) if self.integers else 0.0
        if kind == "sci":
            return self.rel * abs(stored)
        return self.abs + self.rel * abs(stored)

    def allows(self, stored: float, fresh: float, *, kind: str = "float") -> bool:
        """True when ``fresh`` is close enough to ``stored`` under this tolerance."""
        if math.isnan(stored) or math.isnan(fresh):
            return math.isnan(stored) and math.isnan(fresh)
        return abs(fresh - stored) <= self.allowed(stored, kind=kind)


TOLERANCES: dict[str, Tolerance] = {
    "float": Tolerance("float", abs=0.002, rel=0.01),
    "training": Tolerance("training", abs=0.03, rel=0.06, integers=True, integer_abs=1),
    "adversarial": Tolerance("adversarial", abs=0.15, rel=0.1, integers=True, integer_abs=1),
}
TAG_PREFIX = "nbval-tolerance-"

# A number stands alone: not glued to a letter, digit, underscore or dot before it, so ids
# such as ``P000038``, ``ex01`` or ``float32`` stay text and must match exactly.
_NUMBER = re.compile(r"(?<![\w.])-?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w])")
_BLANKS = re.compile(r"[ \t]+")


def tolerance_for_tags(tags: list[str] | tuple[str, ...] | None) -> Tolerance:
    """The tolerance a cell's tags ask for (``float`` when none); unknown names are refused."""
    chosen = [t[len(TAG_PREFIX) :] for t in (tags or []) if t.startswith(TAG_PREFIX)]
    if not chosen:
        return TOLERANCES["float"]
    if len(chosen) > 1 or chosen[0] not in TOLERANCES:
        known = ", ".join(TAG_PREFIX + name for name in TOLERANCES)
        raise ValueError(f"Cell tags {chosen} name no single tolerance; use one of: {known}.")
    return TOLERANCES[chosen[0]]


def _split(text: str) -> tuple[list[str], list[str]]:
    """Text between the numbers (blank runs collapsed) and the numbers themselves."""
    numbers = _NUMBER.findall(text)
    pieces = [_BLANKS.sub(" ", piece) for piece in _NUMBER.split(text)]
    return pieces, numbers


def _kind(stored: str, fresh: str) -> str:
    both = stored + fresh
    if "e" in both.lower():
        return "sci"
    return "float" if "." in both else "int"


def compare_text(stored: str, fresh: str, tolerance: Tolerance | None = None) -> str | None:
    """Why ``fresh`` does not match ``stored``, or None when it does.

    The reason names the first difference: a word, a number of numbers, or one number
    beyond the tolerance (with both values and the allowed difference).
    """
    tolerance = tolerance or TOLERANCES["float"]
    if stored == fresh:
        return None
    stored_text, stored_numbers = _split(stored)
    fresh_text, fresh_numbers = _split(fresh)
    if len(stored_numbers) != len(fresh_numbers) or stored_text != fresh_text:
        for index, (a, b) in enumerate(zip(stored_text, fresh_text, strict=False)):
            if a != b:
                return f"text differs after number {index}: stored {a!r}, fresh {b!r}"
        return (
            f"different number of numbers or lines: stored {len(stored_numbers)}, "
            f"fresh {len(fresh_numbers)}"
        )
    for index, (a, b) in enumerate(zip(stored_numbers, fresh_numbers, strict=True)):
        kind = _kind(a, b)
        if not tolerance.allows(float(a), float(b), kind=kind):
            limit = tolerance.allowed(float(a), kind=kind)
            allowed = "exact (integer)" if limit == 0 else f"|difference| <= {limit:.3g}"
            context = stored_text[index][-30:]
            return (
                f"number {index} ({context!r} ...) moved beyond the {tolerance.name!r} "
                f"tolerance: stored {a}, fresh {b} (allowed: {allowed})"
            )
    return None
