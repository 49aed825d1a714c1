"""Exercises for notebook 10 (mitigation and transfer)."""

from __future__ import annotations

from typing import Any

from .engine import Exercise, Incorrect, ThinkAbout, expect_choice


def _check_q1(answer: Any) -> None:
    from ..fairness.mitigation import GroupDRO

    if not isinstance(answer, GroupDRO):
        raise Incorrect(
            f"build a GroupDRO object (m3h.GroupDRO(...)), got {type(answer).__name__}."
        )
    if answer.attribute != "sex":
        raise Incorrect(f"it protects {answer.attribute!r}; the question asks for 'sex'.")
    if abs(answer.eta - 0.05) > 1e-6:  # float32(0.05) is 0.05 to 7 digits
        raise Incorrect(f"its step size eta is {answer.eta}; the question asks for 0.05.")


def _example_correct() -> Any:
    from ..fairness.mitigation import GroupDRO

    return GroupDRO(attribute="sex", eta=0.05)


def _example_wrong() -> Any:
    from ..fairness.mitigation import GroupDRO

    return GroupDRO(attribute="race_ethnicity", eta=0.05)


q1 = Exercise(
    name="q1",
    question="Build a GroupDRO mitigation that protects the groups of `sex`, with eta = 0.05.",
    checker=_check_q1,
    hints=[
        "Mitigations are objects: `m3h.GroupDRO(attribute=..., eta=...)`.",
        "`attribute` is a column of `cohort.groups`.",
    ],
    solution_text="```python\nanswer = m3h.GroupDRO(attribute='sex', eta=0.05)\n```",
    example_correct=_example_correct,
    example_wrong=_example_wrong,
    success="Pass it as `mitigation=` to a model and its training loss becomes GroupDRO's.",
)


def _check_q2(answer: Any) -> None:
    expect_choice(
        answer,
        "labels",
        {
            "images": (
                "the images are honest: they show the disease. The texture only lets the "
                "model recognise the group."
            ),
            "sampling": (
                "balancing who is sampled changes how often the model sees each group, not "
                "what each patient's record says: an unrecorded diagnosis stays unrecorded "
                "however often it is drawn."
            ),
        },
    )


q2 = Exercise(
    name="q2",
    question=(
        "Tuned on validation data, ReSample narrowed the underdiagnosis gap, yet no training "
        "method can tell which ill patients' diagnoses were never recorded. Where does that "
        "bias sit: 'images', 'sampling' or 'labels'?"
    ),
    checker=_check_q2,
    hints=["Recall notebook 08: what did the records do to women's and Black patients' diagnoses?"],
    solution_text=(
        "'labels'. The records miss diagnoses in some groups. Balancing each group's recorded "
        "prevalence corrects how often the model expects a finding in that group, but every "
        "method still learns from records that call some ill patients healthy; only "
        "re-reading those records fixes them."
    ),
    example_correct=lambda: "labels",
    example_wrong=lambda: "sampling",
)


q3 = ThinkAbout(
    name="q3",
    question=(
        "You will deploy a model bought from another hospital. What would you do before and "
        "after go-live to know whether it is fair for your patients?"
    ),
    model_answer=(
        "Audit it locally before use (on your own patients, ideally with labels checked for "
        "under-recording), choose the threshold locally, and keep monitoring subgroup error "
        "rates after deployment: fairness measured elsewhere, or before a shift, does not "
        "transfer reliably."
    ),
)
