"""Exercises of notebook 02 (single-task baselines): ``from m3h_lite.exercises import ex02 as ex``.

The checkers recompute the answer on the shipped cohort with the notebook's split
(``split_patients(cohort, seed=0)``), so they judge the learner's number, not a constant.
"""

from __future__ import annotations

import functools

from .engine import Exercise, Incorrect, ThinkAbout, expect_choice, expect_number, number

__all__ = ["q1", "q2", "q3", "q4"]

RARE_TASK = "diabetic_ketoacidosis"


@functools.lru_cache(maxsize=1)
def _test_cohort():
    import m3h_lite as m3h

    cohort = m3h.load_cohort()
    return cohort.subset(m3h.split_patients(cohort, seed=0).test)


def _no_skill_auprc() -> float:
    return float(_test_cohort().labels[RARE_TASK].mean())


def _check_q1(answer) -> None:
    expected = _no_skill_auprc()
    try:
        value = number(answer)
    except (TypeError, ValueError):
        raise Incorrect(f"the answer should be a number, got {type(answer).__name__}.") from None
    if abs(value - 0.5) < 0.01:
        raise Incorrect(
            "0.5 is the AUROC of a coin flip. AUPRC is different: a model with no skill "
            "flags patients at random, so its precision is the share of positives."
        )
    expect_number(value, expected, tolerance=0.002, what="your no-skill AUPRC")


q1 = Exercise(
    name="q1",
    question=(
        f"What AUPRC would a model with no skill (random scores) reach for {RARE_TASK} on "
        "the test patients, against the recorded labels? Compute it from `test`."
    ),
    checker=_check_q1,
    hints=[
        "Precision = positives among the flagged. If the flags are random, what is that?",
        f"It is the recorded prevalence in the test set: `test.labels['{RARE_TASK}'].mean()`.",
    ],
    solution_text=(
        f"```python\nanswer = test.labels['{RARE_TASK}'].mean()\n```\n"
        "A random ranking has precision equal to the prevalence at every threshold, so the "
        "no-skill AUPRC is the prevalence (here about 2 %), not 0.5. Judge a rare disease's "
        "AUPRC against this floor."
    ),
    example_correct=_no_skill_auprc,
    example_wrong=lambda: 0.5,
)


def _ceiling() -> float:
    from sklearn.metrics import roc_auc_score

    test = _test_cohort()
    return float(roc_auc_score(test.truth.labels[RARE_TASK], test.truth.probabilities[RARE_TASK]))


def _check_q2(answer) -> None:
    from sklearn.metrics import roc_auc_score

    test = _test_cohort()
    recorded = float(roc_auc_score(test.labels[RARE_TASK], test.truth.probabilities[RARE_TASK]))
    try:
        value = number(answer)
    except (TypeError, ValueError):
        raise Incorrect(f"the answer should be a number, got {type(answer).__name__}.") from None
    if abs(value - recorded) < 1e-6 and abs(recorded - _ceiling()) > 1e-6:
        raise Incorrect(
            "that is the true probabilities scored against the *recorded* labels. "
            "Use the true labels, `test.truth.labels`, as asked."
        )
    expect_number(value, _ceiling(), tolerance=0.001, what="your ceiling")


q2 = Exercise(
    name="q2",
    question=(
        f"What is the best AUROC any model could reach for {RARE_TASK} on the test patients, "
        "scored against the true labels? (Hint: the generator's true probabilities.)"
    ),
    checker=_check_q2,
    hints=[
        "The Bayes-optimal score is `test.truth.probabilities`; score it with AUROC.",
        "`m3h.evaluate(test, {task: test.truth.probabilities[task].to_numpy()}, "
        "against='true', metrics=['auroc'])` — or read the `ceiling` column.",
    ],
    solution_text=(
        "```python\ntask = 'diabetic_ketoacidosis'\n"
        "table = m3h.evaluate(test, {task: test.truth.probabilities[task].to_numpy()},\n"
        "                     against='true', metrics=['auroc'])\n"
        "answer = table['value'].iloc[0]   # equals table['ceiling']\n```\n"
        "No model can rank patients better than their true risk, so this is the ceiling: "
        "the gap between it and a baseline is all a better model could still win."
    ),
    example_correct=_ceiling,
    example_wrong=lambda: 1.0,
)


def _check_q3(answer) -> None:
    expect_choice(
        answer,
        "b",
        {
            "a": "AUROC does not depend on prevalence, so 0.90 says nothing about how many "
            "alarms are true: at 2 % prevalence most of them can be false.",
            "c": "AUROC is a ranking measure: a model can rank well and still be badly "
            "calibrated (its probabilities too high or too low).",
        },
    )


q3 = Exercise(
    name="q3",
    question=(
        "A model for a disease with 2 % prevalence has AUROC 0.90. Which is right? "
        "(a) most patients it flags have the disease; (b) most patients it flags may not have "
        "the disease, so look at AUPRC / precision too; (c) its predicted probabilities "
        "are therefore well calibrated. Answer 'a', 'b' or 'c'."
    ),
    checker=_check_q3,
    hints=["Think of 1,000 patients: 20 sick, 980 healthy. A 10 % false-positive rate is ..."],
    solution_text=(
        "**b.** With 980 healthy patients, even a 10 % false-positive rate gives 98 false "
        "alarms against at most 20 true ones. AUROC hides this; precision and AUPRC show it."
    ),
    example_correct=lambda: "b",
    example_wrong=lambda: "a",
)

q4 = ThinkAbout(
    name="q4",
    question=(
        "The sepsis model is well calibrated on average, yet a ward's nurses say its alarms "
        "are 'always too high' for their patients. How could both be true, and what would "
        "you check?"
    ),
    model_answer=(
        "Calibration on average can hide miscalibration in subgroups or at one site: a "
        "reliability diagram per ward, site or group (notebook 08) would show it. Case mix, "
        "different recording habits or a shift in prevalence all move calibration; "
        "recalibrating locally (e.g. Platt scaling on local data) fixes the level without "
        "changing the ranking."
    ),
)
