"""The checkers of notebooks 02 and 03 accept the correct answer and explain a wrong one."""

import pytest

from m3h_lite.exercises import ex02, ex03
from m3h_lite.exercises.engine import CORRECT, INCORRECT, NOT_ATTEMPTED, Exercise, ThinkAbout

EXERCISES = [
    (module.__name__.rsplit(".", 1)[1], name, getattr(module, name))
    for module in (ex02, ex03)
    for name in module.__all__
]


@pytest.mark.parametrize(("module", "name", "exercise"), EXERCISES)
def test_blank_is_not_attempted(module, name, exercise):
    assert exercise.check(...).status == NOT_ATTEMPTED


@pytest.mark.parametrize(("module", "name", "exercise"), EXERCISES)
def test_correct_and_wrong_examples(module, name, exercise):
    if isinstance(exercise, ThinkAbout):
        assert exercise.check("too short").status == INCORRECT
        assert exercise.check("because the average hides the subgroups here").status == CORRECT
        return
    assert isinstance(exercise, Exercise)
    assert exercise.check(exercise.example_correct()).status == CORRECT
    wrong = exercise.check(exercise.example_wrong())
    assert wrong.status == INCORRECT
    assert len(wrong.message) > 20
    assert "raised" not in wrong.message  # a reason, not a crash
    assert exercise.hint().message and exercise.solution().message


def test_computed_checkers_name_the_mistake():
    assert "coin flip" in ex02.q1.check(0.5).message
    assert "maximum" in ex03.q1.check(ex03.q1.example_wrong()).message
    assert "shape" in ex03.q1.check([0.1, 0.2]).message
    assert "0.30" in ex03.q2.check(0.30).message
