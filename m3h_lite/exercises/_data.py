"""The shipped cohort, loaded once per session for the checkers that judge against it."""

from __future__ import annotations

from functools import lru_cache

from ..hospital.cohort import Cohort


@lru_cache(maxsize=1)
def shipped_cohort() -> Cohort:
    """``m3h.load_cohort()``, cached: checkers compare the learner's answer with it."""
    from ..hospital.storage import load_cohort

    return load_cohort()
