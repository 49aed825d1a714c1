"""Notebooks 00 and 01: checkers name the specific mistakes and judge against the cohort.

The contract every exercise follows is tested in test_exercises.py.
"""

import pytest

from m3h_lite.exercises import ex00, ex01
from m3h_lite.exercises.engine import CORRECT, NOT_ATTEMPTED, Exercise, ThinkAbout


def _questions(module):
    return [
        getattr(module, name)
        for name in sorted(dir(module))
        if isinstance(getattr(module, name), Exercise | ThinkAbout)
    ]


def test_q0_teaches_the_workflow():
    assert ex00.q0.name == "q0"
    assert len([q for q in _questions(ex00) if isinstance(q, Exercise)]) >= 2


def test_specific_mistakes_are_named():
    assert "Count both ends" in ex00.q0.check(10).message
    assert "percentage" in ex01.q1.check(58.5).message
    assert "*missing*" in ex01.q1.check(1 - ex01.lactate_measured_share()).message
    assert "true sepsis cases" in ex01.q3.check(ex01.q3.example_wrong()).message


def test_computed_answers_match_the_cohort(shipped_cohort):
    assert ex00.q1.example_correct() == len(shipped_cohort)
    brightness = ex01.mean_brightness_by_site()
    assert set(brightness) == set(shipped_cohort.groups["site"].cat.categories)
    true = shipped_cohort.truth.labels["sepsis"].to_numpy() == 1
    recorded = shipped_cohort.labels["sepsis"].to_numpy() == 1
    assert ex01.missed_sepsis_count() == int((true & ~recorded).sum()) > 0


@pytest.mark.parametrize("question", [ex00.q3, ex01.q4])
def test_think_about_questions(question):
    assert question.check(...).status == NOT_ATTEMPTED
    assert question.check("it is about what the records say").status == CORRECT
