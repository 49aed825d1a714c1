"""Notebooks 02 and 03: computed checkers name the mistake (the contract: test_exercises.py)."""

from m3h_lite.exercises import ex02, ex03


def test_computed_checkers_name_the_mistake():
    assert "coin flip" in ex02.q1.check(0.5).message
    assert "maximum" in ex03.q1.check(ex03.q1.example_wrong()).message
    assert "shape" in ex03.q1.check([0.1, 0.2]).message
    assert "0.30" in ex03.q2.check(0.30).message
