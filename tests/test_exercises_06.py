"""Checkers of notebook 06 accept the correct answer, reject a wrong one and spot '...'."""

import pytest

from m3h_lite.exercises import ex06 as ex
from m3h_lite.exercises.engine import CORRECT, INCORRECT, NOT_ATTEMPTED, Exercise

QUESTIONS = [q for name, q in vars(ex).items() if name.startswith("q") and isinstance(q, Exercise)]


def test_at_least_two_exercises():
    assert len(QUESTIONS) >= 2


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.name)
def test_checker(question):
    assert question.check(question.example_correct()).status == CORRECT
    wrong = question.check(question.example_wrong())
    assert wrong.status == INCORRECT and len(wrong.message) > 20
    assert question.check(...).status == NOT_ATTEMPTED
    assert question.hint().message and question.solution().message
