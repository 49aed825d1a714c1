"""Exercises for notebook 07 (beyond binary)."""

from __future__ import annotations

from functools import lru_cache

from .engine import Exercise, expect_choice, expect_number


@lru_cache(maxsize=1)
def _majority_accuracy() -> float:
    import m3h_lite as m3h

    cohort = m3h.load_cohort()
    test = cohort.subset(m3h.split_patients(cohort, seed=0).test)
    return float(test.labels["disposition"].value_counts(normalize=True).max())


def _check_majority(answer) -> None:
    expect_number(answer, _majority_accuracy(), tolerance=0.005, what="the accuracy")


q1 = Exercise(
    name="q1",
    question=(
        "What accuracy would a 'model' reach on the test patients (split seed 0) by always "
        "predicting the most common disposition? Answer a fraction between 0 and 1."
    ),
    checker=_check_majority,
    hints=["`test.labels['disposition'].value_counts(normalize=True)`", "Take the largest share."],
    solution_text=(
        "```python\nanswer = test.labels['disposition'].value_counts(normalize=True).max()\n```\n"
        "This is why macro-F1, not accuracy, judges the multiclass task."
    ),
    example_correct=_majority_accuracy,
    example_wrong=lambda: 0.25,
)


def _check_metric(answer) -> None:
    expect_choice(
        answer,
        "mae",
        {
            "auroc": "AUROC needs a binary outcome; length of stay is a number of days.",
            "adjusted_rand": "The adjusted Rand index compares clusterings, not numbers.",
        },
    )


q2 = Exercise(
    name="q2",
    question=(
        "Which metric reads most directly for a bed manager judging length-of-stay "
        "predictions: 'auroc', 'mae' or 'adjusted_rand'?"
    ),
    checker=_check_metric,
    hints=["The manager thinks in days."],
    solution_text="'mae': the mean absolute error is in days.",
    example_correct=lambda: "mae",
    example_wrong=lambda: "auroc",
)
