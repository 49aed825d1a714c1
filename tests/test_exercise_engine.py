"""The exercise engine: not attempted / incorrect with a reason / correct, hints, solutions."""

import pytest

from m3h_lite.exercises.engine import (
    CORRECT,
    INCORRECT,
    NOT_ATTEMPTED,
    Exercise,
    Feedback,
    Incorrect,
    ThinkAbout,
    expect_choice,
    expect_number,
)


def _exercise(**overrides):
    def checker(answer):
        expect_number(answer, 42, tolerance=0.5, what="the answer")

    options = dict(
        name="q1",
        question="What is six times seven?",
        checker=checker,
        hints=["Multiply.", "6 * 7."],
        solution_text="`answer = 6 * 7`",
        example_correct=lambda: 42,
        example_wrong=lambda: 41,
        success="Six sevens.",
    )
    options.update(overrides)
    return Exercise(**options)


@pytest.mark.parametrize("blank", [..., None])
def test_blank_answer_is_not_attempted(blank):
    feedback = _exercise().check(blank)
    assert feedback.status == NOT_ATTEMPTED
    assert "What is six times seven?" in feedback.message
    assert not feedback.correct


def test_check_without_argument_is_not_attempted():
    assert _exercise().check().status == NOT_ATTEMPTED


def test_wrong_answer_is_incorrect_with_reason():
    feedback = _exercise().check(40)
    assert feedback.status == INCORRECT
    assert "too low" in feedback.message and "40" in feedback.message
    assert repr(feedback).startswith("Incorrect:")


def test_correct_answer_within_tolerance():
    feedback = _exercise().check(42.4)
    assert feedback.status == CORRECT and feedback.correct
    assert "Six sevens." in feedback.message


def test_checker_crash_gives_message_not_traceback():
    def crashing(answer):
        return answer["key"] + 1  # TypeError for an int

    feedback = _exercise(checker=crashing).check(3)
    assert feedback.status == INCORRECT
    assert "TypeError" in feedback.message and ".hint()" in feedback.message


def test_nan_is_not_accepted_as_a_number():
    feedback = _exercise().check(float("nan"))
    assert feedback.status == INCORRECT and "NaN" in feedback.message


def test_non_number_answer_is_explained():
    feedback = _exercise().check("forty-two")
    assert feedback.status == INCORRECT and "should be a number" in feedback.message


def test_hints_are_graded_and_stop_at_the_last():
    exercise = _exercise()
    first, second, third = exercise.hint(), exercise.hint(), exercise.hint()
    assert first.title == "Hint 1/2" and "Multiply." in first.message
    assert "again for more" in first.message
    assert second.title == "Hint 2/2" and "again" not in second.message
    assert third.title == "Hint 2/2"
    assert exercise.hint(1).message.startswith("Multiply.")
    assert exercise.hint(99).title == "Hint 2/2"


def test_exercise_without_hints_points_to_solution():
    assert "solution" in _exercise(hints=[]).hint().message


def test_solution_shows_worked_answer():
    feedback = _exercise().solution()
    assert feedback.title == "Solution" and "6 * 7" in feedback.message


def test_feedback_renders_as_markdown_with_status_colour():
    markdown = Feedback(CORRECT, "yes")._repr_markdown_()
    assert "**Correct:**" in markdown and "#009E73" in markdown


def test_expect_choice_explains_wrong_option_and_lists_options():
    options = {"b": "b is wrong because of x."}
    expect_choice(" A ", "a", options)  # case and spaces do not matter
    with pytest.raises(Incorrect, match="because of x"):
        expect_choice("b", "a", options)
    with pytest.raises(Incorrect, match="choose one of"):
        expect_choice("c", "a", options)


def test_think_about_needs_words_then_shows_model_answer():
    question = ThinkAbout("q9", "Why?", "Because of the model answer.", min_words=3)
    assert question.check(...).status == NOT_ATTEMPTED
    assert question.check("   ").status == NOT_ATTEMPTED
    assert question.check("no").status == INCORRECT
    done = question.check("because the data are biased")
    assert done.status == CORRECT and "Because of the model answer." in done.message
    assert question.solution().message == "Because of the model answer."
