"""A small exercise-checking engine in the manner of Kaggle's learntools.

Each exercise is an :class:`Exercise` (an answer a checker can judge) or a
:class:`ThinkAbout` (a free-text question with a model answer). Per-notebook modules
(``ex00``, ``ex01``, ...) hold the content; this module holds only the mechanics.

In a notebook::

    from m3h_lite.exercises import ex00 as ex
    answer = ...            # the learner replaces ... with their answer
    ex.q1.check(answer)     # not attempted / incorrect, because ... / correct
    ex.q1.hint()            # graded hints, one more each call
    ex.q1.solution()        # the worked solution

Introduced in notebook 00.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

NOT_ATTEMPTED = "not attempted"
INCORRECT = "incorrect"
CORRECT = "correct"

_STYLE = {
    NOT_ATTEMPTED: ("#0072B2", "Not attempted yet"),
    INCORRECT: ("#D55E00", "Incorrect"),
    CORRECT: ("#009E73", "Correct"),
}


class Incorrect(Exception):
    """Raised by a checker; its message tells the learner what is wrong and why."""


@dataclass(frozen=True)
class Feedback:
    """The outcome of a check, a hint or a solution, shown as Markdown in Jupyter."""

    status: str
    message: str
    title: str = ""

    def _heading(self) -> str:
        if self.title:
            return self.title
        return _STYLE.get(self.status, ("", self.status.capitalize()))[1]

    def __repr__(self) -> str:
        return f"{self._heading()}: {self.message}"

    def _repr_markdown_(self) -> str:
        colour = _STYLE.get(self.status, ("#555555", ""))[0]
        return f'<span style="color:{colour}">**{self._heading()}:**</span> {self.message}'

    @property
    def correct(self) -> bool:
        return self.status == CORRECT


def is_blank(answer: Any) -> bool:
    """True while the learner has not yet replaced the ``...`` (or ``None``) answer."""
    return answer is Ellipsis or answer is None


@dataclass
class Exercise:
    """A question whose answer a checker can judge.

    Parameters
    ----------
    name : short id, e.g. ``"q1"``.
    question : what is asked (one or two sentences).
    checker : ``checker(answer)`` returns nothing if correct and raises :class:`Incorrect`
        with a helpful reason otherwise.
    hints : graded hints, gentlest first.
    solution : the worked solution (code or prose, Markdown).
    example_correct : builds a correct answer (used by the tests).
    example_wrong : builds a typical wrong answer (used by the tests).
    success : optional extra words shown when the answer is correct.
    """

    name: str
    question: str
    checker: Callable[[Any], None]
    hints: Sequence[str]
    solution_text: str
    example_correct: Callable[[], Any] | None = None
    example_wrong: Callable[[], Any] | None = None
    success: str = "Well done."
    _hints_shown: int = field(default=0, repr=False)

    def check(self, answer: Any = ...) -> Feedback:
        """Judge ``answer``: not attempted, incorrect (with the reason), or correct."""
        if is_blank(answer):
            return Feedback(
                NOT_ATTEMPTED,
                f"replace `...` with your answer, then run this cell again. ({self.question})",
            )
        try:
            self.checker(answer)
        except Incorrect as reason:
            return Feedback(INCORRECT, str(reason))
        except Exception as error:  # a wrong type or shape should teach, not crash
            return Feedback(
                INCORRECT,
                f"checking your answer raised {type(error).__name__}: {error}. "
                "Is it the right kind of object? Try `.hint()`.",
            )
        return Feedback(CORRECT, self.success)

    def hint(self, level: int | None = None) -> Feedback:
        """The next hint (or hint ``level``, counting from 1)."""
        if not self.hints:
            return Feedback("hint", "no hint for this one: try `.solution()`.", "Hint")
        if level is None:
            self._hints_shown = min(self._hints_shown + 1, len(self.hints))
            level = self._hints_shown
        level = max(1, min(level, len(self.hints)))
        more = " (call `.hint()` again for more)" if level < len(self.hints) else ""
        return Feedback("hint", self.hints[level - 1] + more, f"Hint {level}/{len(self.hints)}")

    def solution(self) -> Feedback:
        """The worked solution."""
        return Feedback("solution", self.solution_text, "Solution")


@dataclass
class ThinkAbout:
    """A free-text question: any real attempt is welcome; the model answer is shown after."""

    name: str
    question: str
    model_answer: str
    min_words: int = 5

    def check(self, answer: Any = ...) -> Feedback:
        """Acknowledge a written answer and show the model answer to compare with."""
        if is_blank(answer) or not str(answer).strip():
            return Feedback(
                NOT_ATTEMPTED, f"write your thoughts in a string first. ({self.question})"
            )
        if len(str(answer).split()) < self.min_words:
            return Feedback(
                INCORRECT, f"say a little more (at least {self.min_words} words) and try again."
            )
        return Feedback(CORRECT, f"thank you. Compare with this model answer: {self.model_answer}")

    def hint(self, level: int | None = None) -> Feedback:
        return Feedback("hint", "think of what the generator did, then of a real hospital.", "Hint")

    def solution(self) -> Feedback:
        return Feedback("solution", self.model_answer, "Model answer")


# Small checking helpers the per-notebook modules share.


def number(answer: Any) -> float:
    """``answer`` as a float: a number (numpy scalars too), never text or True/False.

    Raises ``TypeError`` otherwise: ``float("0.5")`` or ``float(True)`` would let a quoted
    or boolean answer pass as a number.
    """
    if isinstance(answer, bool | str | bytes) or type(answer).__name__ in ("bool", "bool_"):
        raise TypeError(f"expected a number, got {type(answer).__name__}")
    if isinstance(answer, numbers.Real):
        return float(answer)
    dtype = getattr(answer, "dtype", None)
    if getattr(answer, "ndim", None) == 0 and getattr(dtype, "kind", "b") in ("i", "u", "f"):
        return float(answer)  # a 0-d numpy array
    raise TypeError(f"expected a number, got {type(answer).__name__}")


def expect_number(
    answer: Any, expected: float, *, tolerance: float, what: str = "the value"
) -> None:
    """Raise :class:`Incorrect` unless ``answer`` is a number within ``tolerance``."""
    try:
        value = number(answer)
    except (TypeError, ValueError):
        raise Incorrect(f"{what} should be a number, got {type(answer).__name__}.") from None
    if value != value:  # NaN compares unequal to everything, itself included
        raise Incorrect(f"{what} is NaN (not a number): did a calculation divide by zero?")
    if abs(value - expected) > tolerance:
        direction = "too high" if value > expected else "too low"
        shown = f"{value:.0f}" if value.is_integer() and abs(value) < 1e9 else f"{value:.3g}"
        raise Incorrect(f"{what} of {shown} is {direction}.")


def expect_choice(answer: Any, correct: str, options: dict[str, str]) -> None:
    """Multiple choice: ``options`` maps each wrong option to why it is wrong."""
    key = str(answer).strip().lower()
    known = {k.lower(): k for k in [correct, *options]}
    if key not in known:
        raise Incorrect(f"choose one of {sorted(known.values())}, got {answer!r}.")
    if key != correct.lower():
        raise Incorrect(options[known[key]])
