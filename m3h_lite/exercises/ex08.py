"""Exercises for notebook 08 (subgroup performance): missed diagnoses, biased test labels.

Computed checkers judge the answer against the shipped cohort, so the numbers are the ones
the learner sees in the notebook.
"""

from __future__ import annotations

from typing import Any

from ._data import shipped_cohort
from .engine import Exercise, Incorrect, ThinkAbout, expect_choice, expect_number, number


def missed_share(task: str = "pneumonia", sex: str = "F") -> float:
    """Share of truly ill patients of one sex whose diagnosis is missing from the records."""
    cohort = shipped_cohort()
    member = (cohort.groups["sex"] == sex).to_numpy()
    true = cohort.truth.labels[task].to_numpy().astype(bool) & member
    recorded = cohort.labels[task].to_numpy().astype(bool)
    return float((true & ~recorded).sum() / true.sum())


def _check_q1(answer: Any) -> None:
    try:
        value = number(answer)
    except (TypeError, ValueError):
        raise Incorrect(f"give one number between 0 and 1, got {type(answer).__name__}.") from None
    if 1 < value <= 100:
        raise Incorrect("that looks like a percentage; give a share between 0 and 1.")
    truth = missed_share()
    if abs(value - (1 - truth)) < 0.01:
        raise Incorrect("that is the share that *was* recorded; the question asks for the missed.")
    expect_number(value, truth, tolerance=0.01, what="your share")


q1 = Exercise(
    name="q1",
    question=(
        "Among women who truly have pneumonia (cohort.truth.labels), what share has no "
        "pneumonia in the recorded labels (cohort.labels)?"
    ),
    checker=_check_q1,
    hints=[
        "Make two True/False arrays: truly ill women, and recorded pneumonia.",
        "`ill = (cohort.truth.labels['pneumonia'] == 1) & (cohort.groups['sex'] == 'F')`; "
        "then the share of `ill` whose `cohort.labels['pneumonia']` is 0.",
    ],
    solution_text=(
        "```python\n"
        "ill = (cohort.truth.labels['pneumonia'] == 1) & (cohort.groups['sex'] == 'F')\n"
        "answer = (cohort.labels.loc[ill, 'pneumonia'] == 0).mean()\n"
        "```"
    ),
    example_correct=missed_share,
    example_wrong=lambda: 1 - missed_share(),
    success=(
        "About three in ten (more for Black and Hispanic women, who belong to two "
        "under-recorded groups). A model trained on these records learns the omission."
    ),
)


def _check_q2(answer: Any) -> None:
    expect_choice(
        answer,
        "recorded",
        {
            "true": (
                "against the true labels the model's probabilities for women are too low: "
                "its calibration error for women is large there."
            ),
        },
    )


q2 = Exercise(
    name="q2",
    question=(
        "A model learned to give women lower probabilities because their diagnoses are "
        "under-recorded. Against which labels does it look well calibrated for women: "
        "'recorded' or 'true'?"
    ),
    checker=_check_q2,
    hints=[
        "Calibration compares predicted probabilities with the observed rate in the labels "
        "you test against.",
        "The model reproduces the recorded rate, which is lower than the true rate.",
    ],
    solution_text=(
        "'recorded': the test labels share the bias, so the model matches them; only the "
        "true labels (which a real hospital does not have) expose it."
    ),
    example_correct=lambda: "recorded",
    example_wrong=lambda: "true",
    success="A biased test set hides the bias of a model trained on the same records.",
)


q3 = ThinkAbout(
    name="q3",
    question=(
        "Moving the threshold can make two groups' underdiagnosis rates equal. What does "
        "that cost, and who pays it?"
    ),
    model_answer=(
        "Equal error rates can be bought by lowering sensitivity for the better-served "
        "group ('levelling down') or by a group-specific threshold that raises false "
        "positives (extra tests, anxiety) in the other. Neither makes the model see disease "
        "better; the cost should be weighed clinically, with the affected patients."
    ),
)
