"""Every exercise of notebooks 00 and 01 accepts its solution and rejects a typical mistake."""

import pytest

from m3h_lite.exercises import ex00, ex01
from m3h_lite.exercises.engine import CORRECT, INCORRECT, NOT_ATTEMPTED, Exercise, ThinkAbout


def _questions(module):
    return [
        getattr(module, name)
        for name in sorted(dir(module))
        if isinstance(getattr(module, name), Exercise | ThinkAbout)
    ]


EXERCISES = [
    pytest.param(q, id=f"{m.__name__.rsplit('.', 1)[1]}.{q.name}")
    for m in (ex00, ex01)
    for q in _questions(m)
    if isinstance(q, Exercise)
]


def test_each_module_has_at_least_two_exercises():
    for module in (ex00, ex01):
        assert len([q for q in _questions(module) if isinstance(q, Exercise)]) >= 2
    assert ex00.q0.name == "q0"


@pytest.mark.parametrize("exercise", EXERCISES)
def test_accepts_example_correct(exercise):
    assert exercise.check(exercise.example_correct()).status == CORRECT


@pytest.mark.parametrize("exercise", EXERCISES)
def test_rejects_example_wrong_with_a_message(exercise):
    feedback = exercise.check(exercise.example_wrong())
    assert feedback.status == INCORRECT
    assert len(feedback.message.split()) >= 5  # a reason, not just "wrong"
    assert "raised" not in feedback.message  # the checker explained it; nothing crashed


@pytest.mark.parametrize("exercise", EXERCISES)
def test_ellipsis_is_not_attempted(exercise):
    assert exercise.check(...).status == NOT_ATTEMPTED


@pytest.mark.parametrize("exercise", EXERCISES)
def test_hints_and_solution_exist(exercise):
    assert exercise.hints and exercise.hint().message
    assert exercise.solution().message


@pytest.mark.parametrize("exercise", EXERCISES)
@pytest.mark.parametrize("odd", ["some text", [1, 2], {"a": 1}, float("nan")])
def test_odd_answers_get_a_message(exercise, odd):
    feedback = exercise.check(odd)
    assert feedback.status == INCORRECT and feedback.message


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
