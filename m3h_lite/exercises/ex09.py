"""Exercises for notebook 09 (shortcuts and demographic encoding)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._data import shipped_cohort
from .engine import Exercise, Incorrect, ThinkAbout, expect_choice, expect_number, number


def largest_mean_difference() -> float:
    """Largest |mean image of Black patients - mean image of the others|, in grey levels."""
    from ..fairness.shortcuts import group_mean_images

    means = group_mean_images(shipped_cohort(), attribute="race_ethnicity", value="Black")
    return float(np.abs(means["difference"]).max())


def _check_q1(answer: Any) -> None:
    try:
        value = number(answer)
    except (TypeError, ValueError):
        raise Incorrect(f"give one number (grey levels), got {type(answer).__name__}.") from None
    if value < 0:
        raise Incorrect("take the absolute value: a difference of -5 is as large as +5.")
    expect_number(value, largest_mean_difference(), tolerance=0.05, what="your difference")


q1 = Exercise(
    name="q1",
    question=(
        "What is the largest absolute pixel difference between the mean image of Black "
        "patients and the mean image of everyone else, in grey levels (0-255 scale)?"
    ),
    checker=_check_q1,
    hints=[
        "`m3h.group_mean_images(cohort, attribute='race_ethnicity', value='Black')` returns "
        "the two means and their difference.",
        "Take `np.abs(means['difference']).max()`.",
    ],
    solution_text=(
        "```python\n"
        "means = m3h.group_mean_images(cohort, attribute='race_ethnicity', value='Black')\n"
        "answer = np.abs(means['difference']).max()\n"
        "```"
    ),
    example_correct=largest_mean_difference,
    example_wrong=lambda: largest_mean_difference() + 5.0,
    success=(
        "About ten grey levels on a 0-255 scale, and most of it is a smooth brightness shift "
        "from case mix (more Black patients attend the site with the brightest scanner); the "
        "planted texture adds only a few levels, alternating pixel by pixel. No reader sees "
        "it, yet a model finds it in every single image."
    ),
)


def _check_q2(answer: Any) -> None:
    expect_choice(
        answer,
        "c",
        {
            "a": "0.5 is chance level: the features carry no linear trace of the attribute.",
            "b": (
                "the probe says the attribute can be *read* from the features; it does not "
                "say the model's predictions use it."
            ),
        },
    )


q2 = Exercise(
    name="q2",
    question=(
        "A linear probe on a model's penultimate features predicts race with AUROC 0.98. "
        "Which is right? (a) the features carry no race information; (b) the model's "
        "predictions certainly depend on race; (c) race can be read from the features, so "
        "the model *could* use it, and its gap deserves a check."
    ),
    checker=_check_q2,
    hints=["A probe measures what is decodable, not what the task head uses."],
    solution_text="(c). Encoding makes a gap possible; the audit shows whether it happens.",
    example_correct=lambda: "c",
    example_wrong=lambda: "b",
)


q3 = ThinkAbout(
    name="q3",
    question=(
        "Some differences between groups are causal (in this cohort, Black patients have "
        "slightly higher metabolic and renal risk). Should a model be blind to race?"
    ),
    model_answer=(
        "Not necessarily: removing a causal signal can make predictions worse for the group "
        "it describes. The problem is a model using group membership as a proxy for how "
        "often a group's diagnoses were *recorded*. Separate the two with the truth where you "
        "have it, and with local audits where you do not."
    ),
)
