"""Declared parameter constraints, checked once, with the same clear message everywhere.

In the manner of scikit-learn's parameter constraints: an estimator or function states,
next to its signature, what each option may be (an integer range, a finite real range, a
choice, a flag), and calls :func:`validate` once. NaN, infinity, zero sizes, booleans posing
as numbers and unknown names are then refused with one message style that names the
option, what it must be, what it got and how to fix it. numpy scalars (``np.int64(3)``,
``np.float32(0.5)``) are accepted like Python numbers.

Shared by every stage of the course; no notebook introduces it.
"""

from __future__ import annotations

import math
import numbers
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Constraint", "Flag", "Interval", "NoneOr", "Options", "as_name_list", "validate"]


class Constraint(ABC):
    """One option's rule: what it accepts, how it reads in a message, its normal form."""

    @abstractmethod
    def describe(self) -> str:
        """What the option must be, as a phrase ("an integer >= 1")."""

    @abstractmethod
    def accepts(self, value: Any) -> bool:
        """Whether ``value`` satisfies the rule."""

    def normalise(self, value: Any) -> Any:
        return value


@dataclass(frozen=True)
class Interval(Constraint):
    """A number of ``kind`` (``int`` or ``float``) in a range; always finite.

    ``low`` / ``high`` of ``None`` leave that side open; ``closed`` says which ends belong
    (``"both"``, ``"left"``, ``"right"``, ``"neither"``).
    """

    kind: type
    low: float | None = None
    high: float | None = None
    closed: str = "both"

    def __post_init__(self) -> None:
        if self.kind not in (int, float):
            raise ValueError("Interval kind must be int or float.")
        if self.closed not in ("both", "left", "right", "neither"):
            raise ValueError(f"Unknown closed={self.closed!r}.")

    def accepts(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return False
        if self.kind is int and not isinstance(value, numbers.Integral):
            return False
        number = float(value)
        if not math.isfinite(number):
            return False
        left_ok = self.low is None or (
            number >= self.low if self.closed in ("both", "left") else number > self.low
        )
        right_ok = self.high is None or (
            number <= self.high if self.closed in ("both", "right") else number < self.high
        )
        return left_ok and right_ok

    def normalise(self, value: Any) -> Any:
        return int(value) if self.kind is int else float(value)

    def describe(self) -> str:
        what = "an integer" if self.kind is int else "a finite number"
        if self.low is not None and self.high is not None:
            left = "[" if self.closed in ("both", "left") else "("
            right = "]" if self.closed in ("both", "right") else ")"
            return f"{what} in {left}{self.low:g}, {self.high:g}{right}"
        if self.low is not None:
            sign = ">=" if self.closed in ("both", "left") else ">"
            return f"{what} {sign} {self.low:g}"
        if self.high is not None:
            sign = "<=" if self.closed in ("both", "right") else "<"
            return f"{what} {sign} {self.high:g}"
        return what


@dataclass(frozen=True)
class Options(Constraint):
    """One of a fixed set of values (names of methods, label kinds, ...)."""

    values: tuple

    def accepts(self, value: Any) -> bool:
        try:
            return value in self.values
        except TypeError:  # unhashable or incomparable input
            return False

    def describe(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)


@dataclass(frozen=True)
class Flag(Constraint):
    """``True`` or ``False`` (a truthy string such as ``'no'`` is refused)."""

    def accepts(self, value: Any) -> bool:
        return isinstance(value, bool) or type(value).__name__ == "bool_"

    def normalise(self, value: Any) -> bool:
        return bool(value)

    def describe(self) -> str:
        return "True or False"


@dataclass(frozen=True)
class NoneOr(Constraint):
    """``None`` or a value the inner constraint accepts."""

    inner: Constraint

    def accepts(self, value: Any) -> bool:
        return value is None or self.inner.accepts(value)

    def normalise(self, value: Any) -> Any:
        return None if value is None else self.inner.normalise(value)

    def describe(self) -> str:
        return f"None or {self.inner.describe()}"


def validate(
    owner: str,
    values: Mapping[str, Any],
    constraints: Mapping[str, Constraint],
    *,
    fixes: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Check every named value against its constraint; return the normalised values.

    Raises ``ValueError`` (``TypeError`` for a value of the wrong type) naming ``owner``,
    the option, what it must be and what it got, plus the fix from ``fixes`` if given.
    """
    out = {}
    for name, constraint in constraints.items():
        value = values[name]
        if not constraint.accepts(value):
            numeric = isinstance(constraint, Interval) or (
                isinstance(constraint, NoneOr) and isinstance(constraint.inner, Interval)
            )
            wrong_type = numeric and (
                isinstance(value, bool) or not isinstance(value, numbers.Real)
            )
            message = f"{owner}: {name} must be {constraint.describe()}, got {value!r}."
            if fixes and name in fixes:
                message += " " + fixes[name]
            raise (TypeError if wrong_type else ValueError)(message)
        out[name] = constraint.normalise(value)
    return out


def as_name_list(value: Any, *, owner: str, name: str, allow_empty: bool = False) -> list[str]:
    """A list of names from a list, tuple or a single string (never read letter by letter)."""
    if isinstance(value, str):
        names = [value]
    elif isinstance(value, Iterable) and not isinstance(value, Mapping):
        names = list(value)
    else:
        raise TypeError(f"{owner}: {name} must be a list of names, got {value!r}.")
    if not all(isinstance(n, str) for n in names):
        raise TypeError(f"{owner}: {name} must contain names (strings), got {names!r}.")
    if not names and not allow_empty:
        raise ValueError(f"{owner}: {name} is empty; give at least one name.")
    return names
