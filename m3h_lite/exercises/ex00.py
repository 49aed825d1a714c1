"""Exercises for notebook 00 (welcome): how checking, hints and solutions work.

``q0`` is a warm-up that teaches the workflow itself; ``q1`` judges a value against the
shipped cohort; ``q2`` is multiple choice; ``q3`` is a free-text question.
"""

from __future__ import annotations

from typing import Any

from ._data import shipped_cohort
from .engine import Exercise, Incorrect, ThinkAbout, expect_choice, expect_number

N_CORE_NOTEBOOKS = 11  # 00 to 10, see the roadmap in notebook 00


def _check_q0(answer: Any) -> None:
    if isinstance(answer, str):
        raise Incorrect("give a number (for example `answer = 5`), not text in quotes.")
    if answer == 10:
        raise Incorrect("close! Count both ends: notebooks 00, 01, ..., 10.")
    expect_number(answer, N_CORE_NOTEBOOKS, tolerance=0, what="your count")


q0 = Exercise(
    name="q0",
    question="How many core notebooks does the course have (numbered 00 to 10)?",
    checker=_check_q0,
    hints=[
        "Look at the roadmap table above: count the rows numbered 00 to 10.",
        "From 00 to 10 inclusive there is one more notebook than the last number.",
    ],
    solution_text="`answer = 11`: notebooks 00, 01, ..., 10 are eleven notebooks.",
    example_correct=lambda: 11,
    example_wrong=lambda: 10,
    success="You have used `check()`. The same pattern works for every exercise.",
)


def _check_q1(answer: Any) -> None:
    if hasattr(answer, "tabular"):
        raise Incorrect("that is the whole cohort; give its number of patients with `len(...)`.")
    expect_number(answer, len(shipped_cohort()), tolerance=0, what="your number of patients")


q1 = Exercise(
    name="q1",
    question="How many patients are in the shipped cohort? (Load it with `m3h.load_cohort()`.)",
    checker=_check_q1,
    hints=[
        "`cohort = m3h.load_cohort()` loads the cohort; the environment check used it too.",
        "`len(cohort)` counts the patients (one admission per patient).",
    ],
    solution_text="```python\ncohort = m3h.load_cohort()\nanswer = len(cohort)  # 4000\n```",
    example_correct=lambda: len(shipped_cohort()),
    example_wrong=lambda: 1000,
    success="Every notebook starts from this same cohort, so your numbers match your neighbours'.",
)


q2 = Exercise(
    name="q2",
    question=(
        "Which command does an instructor run to check a machine before a workshop: "
        "'m3h-lite doctor', 'm3h-lite run' or 'm3h-lite generate'?"
    ),
    checker=lambda answer: expect_choice(
        answer,
        "m3h-lite doctor",
        {
            "m3h-lite run": (
                "`run` executes notebooks and times them: useful, but slow. The quick check "
                "of versions, widgets, memory and data is another command."
            ),
            "m3h-lite generate": (
                "`generate` writes a new synthetic cohort; it does not check the machine."
            ),
        },
    ),
    hints=["It is the command whose output you saw in the environment check above."],
    solution_text="`answer = 'm3h-lite doctor'` (or `m3h.doctor()` inside a notebook).",
    example_correct=lambda: "m3h-lite doctor",
    example_wrong=lambda: "m3h-lite generate",
)


q3 = ThinkAbout(
    name="q3",
    question=(
        "Why does this course use synthetic patients rather than real records? "
        "Name one advantage and one limitation."
    ),
    model_answer=(
        "Advantage: the simulator knows the truth real records hide (true diagnoses, true "
        "probabilities, planted biases), so we can check what a model learned, and the data "
        "can be shared freely with no privacy risk. Limitation: the world is only as rich as "
        "its rules; real hospitals have effects nobody wrote down, so results here show "
        "mechanisms, not the performance to expect on real patients."
    ),
)
