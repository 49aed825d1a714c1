"""Who is admitted: sites, demographics, phenotypes and latent health factors.

The latent factors are the hidden truth of the synthetic hospital: every disease and every
modality is a (noisy) function of them. Patients are drawn from a mixture of phenotypes
(known clusters) whose mix differs by site. Introduced in notebook 01.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .config import FACTORS, INSURANCES, RACES, SEXES, SiteSpec, age_bands

# Phenotype centres in factor space (rows follow PHENOTYPES, columns follow FACTORS).
PHENOTYPE_MEANS = np.array(
    [
        [-0.5, -0.5, -0.5, -0.5, -0.5, -0.4],  # low_acuity
        [1.4, 0.0, 1.5, 0.5, 0.0, 0.3],  # cardiorenal
        [1.2, 1.5, 0.0, 0.0, 0.3, 0.0],  # cardiopulmonary
        [0.3, 0.0, 0.6, 1.8, 0.0, 0.0],  # metabolic
        [0.0, 0.6, 0.5, 0.0, 1.8, 0.8],  # infectious
    ]
)
PHENOTYPE_AGE_SLOPE = np.array([-0.5, 0.3, 0.3, 0.0, 0.1])
"""Change in phenotype log-odds per 20 years of age: older patients are less often low-acuity."""

FACTOR_AGE_SLOPE = np.array([0.35, 0.15, 0.3, 0.15, 0.1, 0.45])
"""Change in each factor per 20 years of age."""

FACTOR_NOISE_SD = 0.8

# Small causal group differences (documented in the datasheet): some demographic signal is
# real epidemiology, not bias, as Yang et al. (Nat Med 2024) caution.
FACTOR_GROUP_SHIFT = {
    ("sex", "M"): {"cardiovascular": 0.2},
    ("race_ethnicity", "Black"): {"metabolic": 0.2, "renal": 0.15},
    ("race_ethnicity", "Hispanic"): {"metabolic": 0.2},
}


def _categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row of a (n, k) probability matrix (vectorised inverse CDF)."""
    cdf = np.cumsum(probs, axis=1)
    cdf /= cdf[:, -1:]
    u = rng.random(len(probs))[:, None]
    return np.minimum((u > cdf).sum(axis=1), probs.shape[1] - 1)


def allocate_sites(n: int, sites: tuple[SiteSpec, ...], rng: np.random.Generator) -> np.ndarray:
    """Site index per patient; exact counts by largest remainder, then shuffled."""
    shares = np.array([s.share for s in sites], dtype=float)
    shares /= shares.sum()
    raw = shares * n
    counts = np.floor(raw).astype(int)
    remainder = n - counts.sum()
    counts[np.argsort(-(raw - counts), kind="stable")[:remainder]] += 1
    return rng.permutation(np.repeat(np.arange(len(sites)), counts))


def sample_demographics(
    n: int, sites: tuple[SiteSpec, ...], rng: np.random.Generator
) -> pd.DataFrame:
    """Site, age, sex, race/ethnicity, insurance and age band for ``n`` admissions."""
    site_idx = allocate_sites(n, sites, rng)
    mean_age = np.array([s.mean_age for s in sites])[site_idx]
    age = np.clip(np.round(rng.normal(mean_age, 17.0)), 18, 98).astype(int)
    sex = np.where(rng.random(n) < 0.52, "F", "M")
    race_probs = np.array([s.race_mix for s in sites])[site_idx]
    race = np.array(RACES)[_categorical(rng, race_probs)]
    medicaid = np.array([s.medicaid_rate for s in sites])[site_idx]
    medicaid = medicaid * np.where(np.isin(race, ("Black", "Hispanic")), 1.3, 1.0)
    u = rng.random(n)
    insurance = np.where(
        age >= 65,
        np.where(u < 0.9, "Medicare", np.where(u < 0.9 + 0.1 * medicaid, "Medicaid", "Private")),
        np.where(u < np.clip(medicaid, 0, 0.95), "Medicaid", "Private"),
    )
    frame = pd.DataFrame(
        {
            "site": np.array([s.name for s in sites])[site_idx],
            "age": age,
            "sex": pd.Categorical(sex, categories=SEXES),
            "race_ethnicity": pd.Categorical(race, categories=RACES),
            "insurance": pd.Categorical(insurance, categories=INSURANCES),
            "age_band": age_bands(age),
        }
    )
    frame["site"] = pd.Categorical(frame["site"], categories=[s.name for s in sites])
    return frame


def sample_phenotypes(
    demographics: pd.DataFrame, sites: tuple[SiteSpec, ...], rng: np.random.Generator
) -> np.ndarray:
    """Phenotype id per patient from the site's case mix, shifted by age."""
    site_idx = demographics["site"].cat.codes.to_numpy()
    weights = np.array([s.phenotype_weights for s in sites])[site_idx]
    age20 = (demographics["age"].to_numpy() - 60.0) / 20.0
    logits = np.log(weights) + age20[:, None] * PHENOTYPE_AGE_SLOPE[None, :]
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    return _categorical(rng, probs)


def sample_factors(
    demographics: pd.DataFrame, phenotype: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Latent health factors (n, len(FACTORS)): phenotype centre + age + group + noise."""
    n = len(demographics)
    age20 = (demographics["age"].to_numpy() - 60.0) / 20.0
    z = PHENOTYPE_MEANS[phenotype] + age20[:, None] * FACTOR_AGE_SLOPE[None, :]
    for (attribute, value), shifts in FACTOR_GROUP_SHIFT.items():
        member = (demographics[attribute] == value).to_numpy()
        for factor, shift in shifts.items():
            z[member, FACTORS.index(factor)] += shift
    z += rng.normal(0.0, FACTOR_NOISE_SD, size=(n, len(FACTORS)))
    return z
