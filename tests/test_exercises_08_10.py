"""Notebooks 08-10: each has a computed exercise (the contract: test_exercises.py)."""

from m3h_lite.exercises import ex08, ex09, ex10


def test_each_notebook_has_a_computed_exercise():
    assert 0.1 < ex08.missed_share() < 0.6
    assert 0 < ex09.largest_mean_difference() < 30
    assert not ex10.q1.check("GroupDRO").correct
