"""Exercises for notebook 06 (explaining task interactions)."""

from __future__ import annotations

from functools import lru_cache

from .engine import Exercise, Incorrect, expect_choice


@lru_cache(maxsize=1)
def _relations():
    import m3h_lite as m3h

    return m3h.load_cohort().truth.task_relations()


def _most_related(task: str) -> str:
    row = _relations()[task].drop(task)
    return str(row.idxmax())


def _check_partner(answer) -> None:
    relations = _relations()
    if answer not in relations.index:
        raise Incorrect(f"{answer!r} is not a diagnosis; see cohort.tasks.diagnoses.")
    if answer == "sepsis":
        raise Incorrect("every task is perfectly related to itself: leave sepsis out.")
    best = _most_related("sepsis")
    if answer != best:
        raise Incorrect(
            f"{answer} has similarity {relations.loc['sepsis', answer]:.2f} with sepsis; "
            "another diagnosis is higher."
        )


q1 = Exercise(
    name="q1",
    question=(
        "Using `cohort.truth.task_relations()`, which diagnosis is most related to sepsis "
        "(sepsis itself excluded)? Answer with its task name."
    ),
    checker=_check_partner,
    hints=["Take the 'sepsis' column, `.drop('sepsis')`, then `.idxmax()`."],
    solution_text="```python\nanswer = cohort.truth.task_relations()['sepsis'].drop('sepsis').idxmax()\n```",
    example_correct=lambda: _most_related("sepsis"),
    example_wrong=lambda: "dementia",
)


def _check_sign(answer) -> None:
    expect_choice(
        answer,
        "b",
        {
            "a": "A negative TIM means the opposite: t did worse with s than without.",
            "c": "TIM is not symmetric: s may help t while t does nothing for s.",
        },
    )


q2 = Exercise(
    name="q2",
    question=(
        "TIM(s -> t) = -0.02. What does it mean? (a) learning s helped t; (b) learning s "
        "alongside t cost t 0.02 AUROC (negative transfer, or noise of that size); "
        "(c) t hurts s by the same amount."
    ),
    checker=_check_sign,
    hints=["TIM = metric with s - metric without s."],
    solution_text="(b). Check its size against the seed-to-seed noise before believing it.",
    example_correct=lambda: "b",
    example_wrong=lambda: "c",
)
