"""What happens to the patients: true diagnoses, recorded labels and operations outcomes.

True disease probability is ``sigmoid(b + w . z + c . u)``: ``z`` the shared latent factors,
``u`` a disease-specific cause that one modality shows. Because no modality depends on the
labels themselves, this probability is the Bayes-optimal score: no model can beat its AUROC
(notebook 02). Recorded labels lose true diagnoses in under-served groups (the planted
underdiagnosis; notebook 08).
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import expit, softmax

from .config import DEFAULT_SITES, FACTORS, BiasConfig
from .tasks import DIAGNOSES, DISPOSITIONS


def membership_count(demographics: pd.DataFrame, groups: dict[str, tuple[str, ...]]) -> np.ndarray:
    """How many of the listed (attribute, values) groups each patient belongs to."""
    count = np.zeros(len(demographics), dtype=int)
    for attribute, values in groups.items():
        count += demographics[attribute].isin(values).to_numpy().astype(int)
    return count


@functools.lru_cache(maxsize=1)
def diagnosis_intercepts() -> np.ndarray:
    """Log-odds intercepts that give each diagnosis its target prevalence.

    Calibrated once on a fixed reference population (20,000 patients of the default sites),
    so the intercepts, and therefore the disease model, are the same in every cohort; a
    cohort of a different case mix then shows a different prevalence, as a real one would.
    """
    from .population import sample_demographics, sample_factors, sample_phenotypes

    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(7).spawn(4)]
    demo = sample_demographics(20_000, DEFAULT_SITES, streams[0])
    z = sample_factors(demo, sample_phenotypes(demo, DEFAULT_SITES, streams[1]), streams[2])
    u = streams[3].normal(size=(len(demo), len(DIAGNOSES)))
    intercepts = []
    for j, task in enumerate(DIAGNOSES):
        signal = z @ task.loading_vector() + task.private_signal * u[:, j]
        intercepts.append(
            brentq(lambda b, s=signal, t=task: expit(b + s).mean() - t.target_prevalence, -30, 10)
        )
    return np.array(intercepts)


def true_diagnosis_probabilities(z: np.ndarray, private: np.ndarray) -> np.ndarray:
    """(n, n_diagnoses) true probability of each diagnosis given the latent causes."""
    loadings = np.array([t.loading_vector() for t in DIAGNOSES])
    weights = np.array([t.private_signal for t in DIAGNOSES])
    return expit(diagnosis_intercepts() + z @ loadings.T + private * weights)


def record_labels(
    true_labels: np.ndarray,
    demographics: pd.DataFrame,
    biases: BiasConfig,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Recorded diagnoses: true ones, some missed in under-served groups.

    Returns the recorded labels and each patient's probability of a missed diagnosis.
    The uniforms are drawn whatever the strength, so a bias-off twin differs only in the
    flipped labels.
    """
    k = membership_count(demographics, biases.underdiagnosis_groups)
    miss_prob = 1.0 - (1.0 - biases.underdiagnosis) ** k
    missed = rng.random(true_labels.shape) < miss_prob[:, None]
    return true_labels & ~missed, miss_prob


def operations_outcomes(
    z: np.ndarray,
    true_labels: np.ndarray,
    demographics: pd.DataFrame,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Length of stay, discharge disposition and 30-day readmission with their truth."""
    n = len(z)
    f = {name: z[:, i] for i, name in enumerate(FACTORS)}
    burden = true_labels.sum(axis=1)
    age20 = (demographics["age"].to_numpy() - 60.0) / 20.0
    medicaid = (demographics["insurance"] == "Medicaid").to_numpy()

    log_los = (
        0.9
        + 0.22 * burden
        + 0.15 * f["infection"]
        + 0.10 * f["cardiovascular"]
        + 0.08 * f["neurological"]
        + 0.10 * age20
    )
    los_mean = np.exp(log_los + 0.5 * 0.35**2)
    los = np.exp(log_los + rng.normal(0, 0.35, n))
    los = np.clip(np.round(los, 1), 0.5, 90.0)

    logits = np.stack(
        [
            np.zeros(n),
            -1.2 + 0.5 * age20 + 0.25 * burden + 0.3 * f["cardiovascular"],
            -2.4 + 0.9 * age20 + 0.35 * burden + 0.7 * f["neurological"],
            -5.0 + 0.5 * age20 + 0.35 * burden + 0.8 * f["infection"] + 0.4 * f["cardiovascular"],
        ],
        axis=1,
    )
    disposition_probs = softmax(logits, axis=1)
    u = rng.random(n)[:, None]
    disposition = np.minimum((u > np.cumsum(disposition_probs, axis=1)).sum(axis=1), 3)

    readmit_prob = expit(
        -2.4 + 0.35 * f["cardiovascular"] + 0.35 * f["renal"] + 0.20 * burden + 0.5 * medicaid
    )
    readmitted = (rng.random(n) < readmit_prob) & (disposition != DISPOSITIONS.index("died"))
    readmit_prob = np.where(disposition == DISPOSITIONS.index("died"), 0.0, readmit_prob)
    return {
        "length_of_stay": los,
        "length_of_stay_mean": los_mean,
        "disposition": disposition,
        "disposition_probs": disposition_probs,
        "readmission_30d": readmitted,
        "readmission_30d_prob": readmit_prob,
    }
