"""Every exercise module (``exNN``) follows the engine's contract.

Each checker accepts its example solution, rejects a typical mistake with a reason (not a
crash), treats ``...`` as not attempted, has hints and a solution, and answers odd input
(text, lists, NaN) with a message. Module-specific checks live in test_exercises_NN files.
"""

import importlib
import pkgutil

import pytest

import m3h_lite.exercises as exercises_package
from m3h_lite.exercises.engine import CORRECT, INCORRECT, NOT_ATTEMPTED, Exercise, ThinkAbout

MODULES = [
    importlib.import_module(f"m3h_lite.exercises.{info.name}")
    for info in pkgutil.iter_modules(exercises_package.__path__)
    if info.name.startswith("ex") and info.name[2:].isdigit()
]


def _questions(module):
    return [
        value
        for name, value in sorted(vars(module).items())
        if name.startswith("q") and isinstance(value, Exercise | ThinkAbout)
    ]


def _params(kind):
    return [
        pytest.param(q, id=f"{m.__name__.rsplit('.', 1)[1]}.{q.name}")
        for m in MODULES
        for q in _questions(m)
        if isinstance(q, kind)
    ]


def test_every_notebook_module_is_found():
    assert len(MODULES) >= 8


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[1])
def test_at_least_two_checked_exercises(module):
    assert len([q for q in _questions(module) if isinstance(q, Exercise)]) >= 2


@pytest.mark.parametrize("exercise", _params(Exercise))
def test_accepts_example_correct(exercise):
    assert exercise.check(exercise.example_correct()).status == CORRECT


@pytest.mark.parametrize("exercise", _params(Exercise))
def test_rejects_example_wrong_with_a_reason(exercise):
    feedback = exercise.check(exercise.example_wrong())
    assert feedback.status == INCORRECT
    assert len(feedback.message.split()) >= 5  # a reason, not just "wrong"
    assert "raised" not in feedback.message  # the checker explained it; nothing crashed


@pytest.mark.parametrize("exercise", _params(Exercise) + _params(ThinkAbout))
def test_ellipsis_is_not_attempted(exercise):
    assert exercise.check(...).status == NOT_ATTEMPTED


@pytest.mark.parametrize("exercise", _params(Exercise))
def test_hints_and_solution_exist(exercise):
    assert exercise.hints and exercise.hint().message
    assert exercise.solution().message


@pytest.mark.parametrize("exercise", _params(Exercise))
@pytest.mark.parametrize("odd", ["some text", [1, 2], {"a": 1}, float("nan")])
def test_odd_answers_get_a_message(exercise, odd):
    feedback = exercise.check(odd)
    assert feedback.status == INCORRECT and feedback.message


@pytest.mark.parametrize("question", _params(ThinkAbout))
def test_think_about_wants_a_real_attempt(question):
    assert question.check("too short").status == INCORRECT
    written = "because the average hides what happens in the smaller subgroups here"
    feedback = question.check(written)
    assert feedback.status == CORRECT and question.model_answer in feedback.message
