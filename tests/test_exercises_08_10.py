"""Exercise checkers of notebooks 08-10 accept the correct answer and reject the wrong one."""

import pytest

from m3h_lite.exercises import ex08, ex09, ex10
from m3h_lite.exercises.engine import Exercise

EXERCISES = [
    (module.__name__, name, getattr(module, name))
    for module in (ex08, ex09, ex10)
    for name in ("q1", "q2", "q3")
]


@pytest.mark.parametrize(("module", "name", "exercise"), EXERCISES)
def test_checkers(module, name, exercise):
    assert "Not attempted" in repr(exercise.check(...))
    if isinstance(exercise, Exercise):
        assert exercise.check(exercise.example_correct()).correct
        wrong = exercise.check(exercise.example_wrong())
        assert not wrong.correct and len(wrong.message) > 20
        assert exercise.hint().message and exercise.solution().message
    else:
        assert exercise.check("I would weigh the cost of errors for each group").correct


def test_each_notebook_has_a_computed_exercise():
    assert 0.1 < ex08.missed_share() < 0.6
    assert 0 < ex09.largest_mean_difference() < 30
    assert not ex10.q1.check("GroupDRO").correct
