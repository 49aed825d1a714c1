"""Exercises for notebook 01 (meet the patients): missing labs, scanners, missed diagnoses.

Each computed checker judges the answer against the shipped cohort, so the numbers are the
ones the learner sees in the notebook.
"""

from __future__ import annotations

from typing import Any

from ._data import shipped_cohort
from .engine import Exercise, Incorrect, ThinkAbout, expect_number, number


def lactate_measured_share() -> float:
    """Share of patients whose lactate was measured (not missing)."""
    return float(shipped_cohort().tabular["lactate_mmol_L"].notna().mean())


def _check_q1(answer: Any) -> None:
    try:
        value = number(answer)
    except (TypeError, ValueError):
        raise Incorrect(
            f"give one number between 0 and 1, got {type(answer).__name__}. "
            "`.mean()` of a True/False column gives a share."
        ) from None
    if 1 < value <= 100:
        raise Incorrect("that looks like a percentage; give a share between 0 and 1.")
    truth = lactate_measured_share()
    if abs(value - (1 - truth)) < 0.005:
        raise Incorrect("that is the share *missing*; the question asks how many were measured.")
    expect_number(value, truth, tolerance=0.005, what="your share")


q1 = Exercise(
    name="q1",
    question="What share of patients had lactate measured (a value, not NaN)?",
    checker=_check_q1,
    hints=[
        "Missing values (NaN) mean the test was not ordered. `.notna()` marks measured ones.",
        "`cohort.tabular['lactate_mmol_L'].notna()` is True/False per patient; take its mean.",
    ],
    solution_text="```python\nanswer = cohort.tabular['lactate_mmol_L'].notna().mean()\n```",
    example_correct=lactate_measured_share,
    example_wrong=lambda: 1 - lactate_measured_share(),
    success=(
        "A little over half. Lactate is ordered when a clinician suspects sepsis or shock, "
        "so *whether* a test was ordered carries information, and missingness can differ by "
        "group (notebook 08)."
    ),
)


def mean_brightness_by_site():
    """Mean grey level of the chest images at each site."""
    cohort = shipped_cohort()
    site = cohort.groups["site"]
    return {
        str(s): float(cohort.images[(site == s).to_numpy()].mean()) for s in site.cat.categories
    }


def _check_q2(answer: Any) -> None:
    brightness = mean_brightness_by_site()
    name = str(answer).strip().lower()
    if name not in brightness:
        raise Incorrect(f"give a site name, one of {sorted(brightness)}; got {answer!r}.")
    best = max(brightness, key=brightness.get)
    if name != best:
        raise Incorrect(
            f"{name}'s images have a mean grey level of {brightness[name]:.1f}; "
            "another site's are brighter. Compare all four."
        )


q2 = Exercise(
    name="q2",
    question="Which site's scanner produces the brightest chest images (highest mean grey level)?",
    checker=_check_q2,
    hints=[
        "The image grid by site gives a first impression; check it with numbers.",
        "`cohort.images[mask].mean()` with `mask = (cohort.groups['site'] == 'north').to_numpy()`",
        "Loop over `cohort.groups['site'].cat.categories` and keep the site with the largest mean.",
    ],
    solution_text=(
        "```python\nsite = cohort.groups['site']\n"
        "means = {s: cohort.images[(site == s).to_numpy()].mean() for s in site.cat.categories}\n"
        "answer = max(means, key=means.get)  # 'harbor'\n```"
    ),
    example_correct=lambda: max(mean_brightness_by_site(), key=mean_brightness_by_site().get),
    example_wrong=lambda: "valley",
    success=(
        "Scanner settings differ by hospital. A model can learn to recognise the site from "
        "the image alone, and with it the site's case mix (Zech et al. 2018)."
    ),
)


def missed_sepsis_count() -> int:
    """Patients with true sepsis whose recorded labels say no sepsis."""
    cohort = shipped_cohort()
    true = cohort.truth.labels["sepsis"] == 1
    recorded = cohort.labels["sepsis"] == 1
    return int((true & ~recorded).sum())


def _check_q3(answer: Any) -> None:
    cohort = shipped_cohort()
    true_n = int(cohort.truth.labels["sepsis"].sum())
    recorded_n = int(cohort.labels["sepsis"].sum())
    try:
        value = number(answer)
    except (TypeError, ValueError):
        raise Incorrect(
            f"give one whole number (a count), got {type(answer).__name__}. "
            "`.sum()` of a True/False column counts the True ones."
        ) from None
    if value in (true_n, recorded_n):
        which = "true" if value == true_n else "recorded"
        raise Incorrect(
            f"{value:.0f} is the number of {which} sepsis cases. Count the patients who have "
            "sepsis in truth *and* not in the records."
        )
    expect_number(value, missed_sepsis_count(), tolerance=0, what="your count")


q3 = Exercise(
    name="q3",
    question="How many patients truly have sepsis but have no sepsis in their recorded labels?",
    checker=_check_q3,
    hints=[
        "Compare `cohort.truth.labels['sepsis']` (the truth) with `cohort.labels['sepsis']`.",
        "Combine two True/False columns with `&` and negate with `~`, then `.sum()` counts.",
    ],
    solution_text=(
        "```python\ntrue = cohort.truth.labels['sepsis'] == 1\n"
        "recorded = cohort.labels['sepsis'] == 1\nanswer = int((true & ~recorded).sum())\n```"
    ),
    example_correct=missed_sepsis_count,
    example_wrong=lambda: int(shipped_cohort().truth.labels["sepsis"].sum()),
    success=(
        "These patients had sepsis, but a model trained on the records is taught that they "
        "did not. Notebook 08 asks who they are."
    ),
)


q4 = ThinkAbout(
    name="q4",
    question=(
        "A model is trained on the recorded labels. What does it learn to predict, and who "
        "could be harmed when it is used to decide who needs care?"
    ),
    model_answer=(
        "It learns to predict what gets *recorded*, not what patients *have*. In this cohort "
        "diagnoses go missing more often for Black and Hispanic patients and for women, so a "
        "model copies that pattern: it gives them lower risk scores for the same illness and "
        "they may be sent home untreated. Evaluating on the same biased labels hides the "
        "problem, because the model agrees with the records."
    ),
)
