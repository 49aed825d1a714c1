"""Exercises for notebook 04 (multitask learning)."""

from __future__ import annotations

from functools import lru_cache

from .engine import Exercise, Incorrect, expect_choice, expect_number


@lru_cache(maxsize=1)
def _training_positives() -> dict[str, int]:
    import m3h_lite as m3h

    cohort = m3h.load_cohort()
    train = cohort.subset(m3h.split_patients(cohort, seed=0).train)
    return {t: int(train.labels[t].sum()) for t in cohort.tasks.diagnoses}


def _check_rarest(answer) -> None:
    counts = _training_positives()
    rarest = min(counts, key=counts.get)
    if not isinstance(answer, tuple) or len(answer) != 2:
        raise Incorrect("answer with a tuple (task name, number of training positives).")
    task, count = answer
    if task not in counts:
        raise Incorrect(f"{task!r} is not a diagnosis; see cohort.tasks.diagnoses.")
    if task != rarest:
        raise Incorrect(
            f"{task} has {counts[task]} training positives; another diagnosis has fewer. "
            "Sum the labels of the training patients only."
        )
    expect_number(count, counts[rarest], tolerance=0.5, what="the number of positives")


q1 = Exercise(
    name="q1",
    question=(
        "In the training split `m3h.split_patients(cohort, seed=0).train`, which diagnosis "
        "has the fewest recorded positives, and how many? Answer `(task, count)`."
    ),
    checker=_check_rarest,
    hints=[
        "`train = cohort.subset(split.train)`; `train.labels[cohort.tasks.diagnoses]` is 0/1.",
        "`.sum()` per column, then `.idxmin()` and `.min()`.",
    ],
    solution_text=(
        "```python\ncounts = train.labels[cohort.tasks.diagnoses].sum()\n"
        "answer = (counts.idxmin(), int(counts.min()))\n```"
    ),
    example_correct=lambda: (
        min(_training_positives(), key=_training_positives().get),
        min(_training_positives().values()),
    ),
    example_wrong=lambda: ("type2_diabetes", 300),
    success="A few dozen positive patients: too few for a network to learn its own representation.",
)


def _check_gain(answer) -> None:
    expect_number(answer, 100 * (0.84 - 0.80) / 0.80, tolerance=0.05, what="the relative gain")


q2 = Exercise(
    name="q2",
    question=(
        "A single-task model reaches AUROC 0.80 and the multitask model 0.84. What is the "
        "relative gain in percent, as the M3H paper reports it?"
    ),
    checker=_check_gain,
    hints=["Relative gain = (multitask - single) / single.", "Multiply by 100 for percent."],
    solution_text="`100 * (0.84 - 0.80) / 0.80` = 5.0 %.",
    example_correct=lambda: 5.0,
    example_wrong=lambda: 4.0,
)


def _check_why(answer) -> None:
    expect_choice(
        answer,
        "b",
        {
            "a": "More labels in total do not help by themselves: the other tasks' labels "
            "say nothing about this disease unless they share its causes.",
            "c": "Multitask training does not create new positives; it shares what the "
            "network learns about the latent causes.",
        },
    )


q3 = Exercise(
    name="q3",
    question=(
        "Why should rare diagnoses gain most from multitask learning? "
        "(a) the model sees more labels in total; (b) related common diseases teach the "
        "shared latent factors (e.g. cardiovascular) that the rare disease also depends on; "
        "(c) multitask training oversamples rare positives."
    ),
    checker=_check_why,
    hints=["Look at `cohort.tasks.loadings()`: which factors does a rare disease share?"],
    solution_text="(b): shared causes let common tasks teach a representation the rare task reuses.",
    example_correct=lambda: "b",
    example_wrong=lambda: "a",
)
