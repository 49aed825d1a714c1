"""Declared parameter constraints, checked once, with the same clear message everywhere.

In the manner of scikit-learn's parameter constraints: an estimator or function states,
next to its signature, what each option may be (an integer range, a finite real range, a
choice, a flag), and calls :func:`validate` once. NaN, infinity, zero sizes, booleans posing
as numbers and unknown names are then refused with one message style that names the
option, what it must be, what it got and how to fix it. numpy scalars (``np.int64(3)``,
``np.float32(0.5)``) are accepted like Python numbers.

The same module holds the few other checks every public function shares: :func:`expect_type`
(a cohort where a cohort belongs, ...) and :func:`aligned` / :func:`align_pandas` (a pandas
input with an index is matched by its index, never by its row order, or refused).

Shared by every stage of the course; no notebook introduces it.
"""

from __future__ import annotations

import math
import numbers
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "MITIGATION_HOOKS",
    "check_mitigation",
    "Constraint",
    "Flag",
    "Interval",
    "NoneOr",
    "Options",
    "align_pandas",
    "aligned",
    "as_name_list",
    "expect_type",
    "validate",
]


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
        return isinstance(value, bool | np.bool_)

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


def shown(value: Any) -> str:
    """A value as a message quotes it: its repr if short, else its type."""
    text = repr(value)
    return text if len(text) <= 60 else f"a {type(value).__name__}"


def expect_type(
    value: Any,
    kind: type | tuple[type, ...],
    *,
    owner: str,
    name: str,
    what: str,
    fix: str = "",
) -> Any:
    """``value`` if it is an instance of ``kind``; otherwise a ``TypeError`` in the shared
    style ("<owner>: <name> must be <what>, got <value>.")."""
    if not isinstance(value, kind):
        message = f"{owner}: {name} must be {what}, got {shown(value)}."
        raise TypeError(message + (" " + fix if fix else ""))
    return value


def _by_index(values: pd.Series | pd.DataFrame, ids: pd.Index) -> np.ndarray | None:
    """``values`` as an array in the order of ``ids`` if its index holds exactly ``ids``."""
    index = values.index
    if index.equals(ids):
        return values.to_numpy()
    if len(index) == len(ids) and index.is_unique and set(index) == set(ids):
        return values.reindex(ids).to_numpy()
    return None


def aligned(values: Any, ids: pd.Index, *, owner: str, name: str) -> Any:
    """A pandas input in the order of ``ids`` (matched by its index), or refused.

    A Series or DataFrame whose index is ``ids`` in another order is reordered; one with a
    plain ``RangeIndex`` (``pd.Series(array)``) is taken by position, like an array; one
    with other labels is refused, since pairing it by row order would silently mismatch
    patients. Other inputs pass through unchanged (their order is ``ids``' by contract).
    """
    if not isinstance(values, pd.Series | pd.DataFrame):
        return values
    matched = _by_index(values, ids)
    if matched is not None:
        return matched
    index = values.index
    if isinstance(index, pd.RangeIndex) and index.equals(pd.RangeIndex(len(ids))):
        return values.to_numpy()
    raise ValueError(
        f"{owner}: {name} is a pandas object whose index is not this cohort's patient ids "
        f"(first: {list(index[:3])} vs {list(ids[:3])}). Score the same patients "
        "(e.g. both the test subset), or pass a plain array in the cohort's order."
    )


def align_pandas(values: Mapping[str, Any], *, owner: str) -> dict[str, Any]:
    """Several inputs that describe the same rows, pandas ones matched by their index.

    The first pandas input sets the order; every other pandas input is reordered to it by
    its index (or refused when its index holds other labels); plain arrays and lists are
    taken by position. Returns the values with pandas inputs turned into arrays.
    """
    reference = next(
        (k for k, v in values.items() if isinstance(v, pd.Series | pd.DataFrame)), None
    )
    if reference is None:
        return dict(values)
    ids = values[reference].index
    out = {}
    for key, value in values.items():
        if not isinstance(value, pd.Series | pd.DataFrame):
            out[key] = value
            continue
        out[key] = _by_index(value, ids)
        if out[key] is None:
            index = value.index
            raise ValueError(
                f"{owner}: {key} is a pandas object whose index does not match {reference}'s "
                f"(first: {list(index[:3])} vs {list(ids[:3])}). Pass inputs on the same "
                "patients (pandas ones are matched by index), or plain arrays in one order."
            )
    return out


MITIGATION_HOOKS: tuple[str, ...] = (
    "attribute",
    "reset",
    "sampling_weights",
    "reduce",
    "adversary_loss",
)
"""What a mitigation object offers the loop (see ``fairness/mitigation.py``)."""


def check_mitigation(owner: str, mitigation: Any) -> Any:
    """``mitigation`` itself if it is ``None`` or offers every hook; a clear error if not."""
    if mitigation is not None and not all(hasattr(mitigation, h) for h in MITIGATION_HOOKS):
        raise TypeError(
            f"{owner}: mitigation must be None or a mitigation object such as "
            f"m3h.GroupDRO(attribute='sex'), got {mitigation!r}."
        )
    return mitigation
