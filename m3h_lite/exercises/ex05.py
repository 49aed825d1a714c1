"""Exercises for notebook 05 (task attention)."""

from __future__ import annotations

from .engine import Exercise, expect_choice, expect_number


def _self_weight(alpha: float) -> float:
    import torch

    from m3h_lite.multitask.attention import TaskAttention

    torch.manual_seed(0)
    attention = TaskAttention(4, 8, alpha=alpha)
    with torch.no_grad():
        weights = attention.weights(torch.randn(3, 4, 8))
    return float(weights[0, 0, 0])


def _check_self(answer) -> None:
    expect_number(answer, _self_weight(3.0), tolerance=1e-3, what="the self weight")


q1 = Exercise(
    name="q1",
    question="With alpha = 3, how much attention weight does each task put on its own slot?",
    checker=_check_self,
    hints=[
        "W = (I + alpha * A) / (1 + alpha), and A puts no weight on the diagonal.",
        "The diagonal of W is 1 / (1 + alpha).",
    ],
    solution_text="1 / (1 + 3) = 0.25: three quarters of what each head reads comes from other tasks.",
    example_correct=lambda: 0.25,
    example_wrong=lambda: 0.75,
)


def _check_hurt(answer) -> None:
    expect_choice(
        answer,
        "c",
        {
            "a": "Sharing with a related task is where cross-exploration helps most.",
            "b": "Rare tasks with related partners are the ones that gain.",
        },
    )


q2 = Exercise(
    name="q2",
    question=(
        "When is strong cross-exploration most likely to hurt a task? (a) when its partners "
        "share its latent factors; (b) when it is rare; (c) when its signal is private "
        "(e.g. troponin for myocardial infarction) and the other tasks drown it out."
    ),
    checker=_check_hurt,
    hints=["Which diseases in `cohort.tasks` have a `private_signal`?"],
    solution_text="(c): a private cause is learned from the task's own labels only.",
    example_correct=lambda: "c",
    example_wrong=lambda: "a",
)
