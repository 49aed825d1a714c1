"""Exercises of notebook 03 (multimodal fusion): ``from m3h_lite.exercises import ex03 as ex``.

The computed checker refits the two single-modality models on the shipped cohort with the
notebook's split, so it judges the learner's array, not a stored constant.
"""

from __future__ import annotations

import functools

import numpy as np

from .engine import Exercise, Incorrect, ThinkAbout, expect_choice, expect_number, number

__all__ = ["q1", "q2", "q3", "q4"]

TASK = "sepsis"
PAIR = ("tabular", "timeseries")


@functools.lru_cache(maxsize=1)
def _pair_predictions() -> tuple[np.ndarray, np.ndarray]:
    import m3h_lite as m3h

    cohort = m3h.load_cohort()
    split = m3h.split_patients(cohort, seed=0)
    fusion = m3h.fit_fusion(
        cohort.subset(split.train), cohort.subset(split.test), tasks=[TASK], modalities=PAIR
    )
    return fusion.predict([PAIR[0]])[TASK], fusion.predict([PAIR[1]])[TASK]


def _late_fusion() -> np.ndarray:
    a, b = _pair_predictions()
    return (a + b) / 2


def _check_q1(answer) -> None:
    a, b = _pair_predictions()
    value = np.asarray(answer, dtype=float)
    if value.shape != a.shape:
        raise Incorrect(
            f"expected one probability per test patient, shape {a.shape}; got {value.shape}. "
            f"Take `['{TASK}']` from each prediction dict."
        )
    if np.allclose(value, a * b):
        raise Incorrect("that is the product; late fusion *averages* the probabilities.")
    if np.allclose(value, np.maximum(a, b)):
        raise Incorrect("that is the maximum; late fusion *averages* the probabilities.")
    if not np.allclose(value, (a + b) / 2, atol=1e-6):
        raise Incorrect(
            "not the mean of the tabular and time-series probabilities for sepsis. "
            "Did you use the same `fusion` object as the notebook?"
        )


q1 = Exercise(
    name="q1",
    question=(
        "Build late fusion by hand: average the sepsis probabilities of the tabular-only and "
        "the time-series-only models (`fusion.predict(['tabular'])` and "
        "`fusion.predict(['timeseries'])`) and pass the averaged array."
    ),
    checker=_check_q1,
    hints=[
        "Each `fusion.predict([...])` returns a dict task -> probabilities; take `['sepsis']`.",
        "`(fusion.predict(['tabular'])['sepsis'] + fusion.predict(['timeseries'])['sepsis']) / 2`",
    ],
    solution_text=(
        "```python\na = fusion.predict(['tabular'])['sepsis']\n"
        "b = fusion.predict(['timeseries'])['sepsis']\nanswer = (a + b) / 2\n```\n"
        "Late fusion needs no retraining: any two models' probabilities can be averaged, "
        "which is why it copes with a missing modality (use the models you have)."
    ),
    example_correct=_late_fusion,
    example_wrong=lambda: np.maximum(*_pair_predictions()),
)


def _shapley_a() -> float:
    return 0.5 * (0.80 - 0.50) + 0.5 * (0.85 - 0.70)


def _check_q2(answer) -> None:
    try:
        value = number(answer)
    except (TypeError, ValueError):
        raise Incorrect(f"the answer should be a number, got {type(answer).__name__}.") from None
    if abs(value - 0.30) < 1e-3:
        raise Incorrect(
            "0.30 is what labs add when they come first. Shapley also averages over the "
            "order in which the notes come first (then labs add 0.85 - 0.70)."
        )
    if abs(value - 0.15) < 1e-3:
        raise Incorrect("0.15 is only the second order; average it with the first.")
    expect_number(value, _shapley_a(), tolerance=1e-3, what="your Shapley value")


q2 = Exercise(
    name="q2",
    question=(
        "Two modalities, labs (L) and notes (N). AUROC with none 0.50, L alone 0.80, "
        "N alone 0.70, both 0.85. What is the exact Shapley value of the labs?"
    ),
    checker=_check_q2,
    hints=[
        "Two orders: L first (gain v(L) - v(∅)) or N first (gain v(L,N) - v(N)).",
        "Average the two gains, each order with weight 1/2.",
    ],
    solution_text=(
        "φ(L) = ½ (0.80 − 0.50) + ½ (0.85 − 0.70) = 0.225, and φ(N) = ½ (0.70 − 0.50) + "
        "½ (0.85 − 0.80) = 0.125. They add up to 0.85 − 0.50 = 0.35 (efficiency). Check: "
        "`m3h.shapley_values(scores, modalities=('L', 'N'))`."
    ),
    example_correct=_shapley_a,
    example_wrong=lambda: 0.30,
)


def _check_q3(answer) -> None:
    expect_choice(
        answer,
        "tabular",
        {
            "timeseries": "the bedside monitor shows heart, lungs and infection; glucose "
            "metabolism shows in glucose and HbA1c, which are laboratory values.",
            "notes": "polyuria and polydipsia are in the notes, but rarely and noisily; "
            "the labs measure the metabolic factor directly.",
            "images": "a chest image barely shows diabetes.",
        },
    )


q3 = Exercise(
    name="q3",
    question=(
        "Before looking at the Shapley plot: which modality should carry type 2 diabetes "
        "in this hospital? Answer 'tabular', 'timeseries', 'notes' or 'images'."
    ),
    checker=_check_q3,
    hints=["Which measurements does the metabolic factor move? See `cohort.feature_info`."],
    solution_text=(
        "**tabular**: glucose, HbA1c and BMI are driven by the metabolic factor, and type 2 "
        "diabetes loads on it most (`cohort.tasks.loadings()`)."
    ),
    example_correct=lambda: "tabular",
    example_wrong=lambda: "images",
)

q4 = ThinkAbout(
    name="q4",
    question=(
        "Notes add little to most diagnoses here, yet hospitals value them. What might a "
        "real note carry that these template notes do not, and how would you find out "
        "whether it helps your model?"
    ),
    model_answer=(
        "Real notes hold the clinician's reasoning, history, social context and findings "
        "no sensor records; our notes only list symptoms from templates, so a bag of words "
        "reads them almost fully and they mostly repeat what labs and monitors show. To "
        "find out, measure it: train with and without the notes (or compute Shapley values) "
        "on local data, with confidence intervals, per department."
    ),
)
