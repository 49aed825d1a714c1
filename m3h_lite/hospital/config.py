"""Configuration of the synthetic hospital: sites, planted biases and cohort size.

Every number the generator uses that a teacher might want to change lives here, so that the
datasheet (``data/synthetic/DATASHEET.md``) can be written from it and cannot drift.
Introduced in notebook 01.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..validation import Interval, validate

FACTORS: tuple[str, ...] = (
    "cardiovascular",
    "respiratory",
    "renal",
    "metabolic",
    "infection",
    "neurological",
)
"""Latent health factors shared by the diseases (z-scores; 0 = population average)."""

MODALITIES: tuple[str, ...] = ("tabular", "timeseries", "notes", "images")

SEXES: tuple[str, ...] = ("F", "M")
RACES: tuple[str, ...] = ("White", "Black", "Hispanic", "Asian", "Other")
INSURANCES: tuple[str, ...] = ("Private", "Medicare", "Medicaid")
AGE_BANDS: tuple[str, ...] = ("18-39", "40-64", "65-79", "80+")
AGE_BAND_EDGES: tuple[int, ...] = (40, 65, 80)  # lower bounds of all but the first band
ATTRIBUTE_VALUES: dict[str, tuple[str, ...]] = {
    "sex": SEXES,
    "race_ethnicity": RACES,
    "insurance": INSURANCES,
    "age_band": AGE_BANDS,
}
"""Every protected attribute a bias can target, and the values it takes (sites aside)."""
SHORTCUT_GROUP: tuple[str, str] = ("race_ethnicity", "Black")
"""The default (attribute, value) whose chest images carry the planted texture."""


def age_bands(age: Any) -> pd.Categorical:
    """The age band of each age in years (ordered categories :data:`AGE_BANDS`)."""
    labels = np.array(AGE_BANDS)[np.digitize(np.asarray(age, dtype=float), AGE_BAND_EDGES)]
    return pd.Categorical(labels, categories=AGE_BANDS, ordered=True)


N_PHENOTYPES = 5  # the phenotypes of tasks.PHENOTYPES; a site weighs each one


@dataclass(frozen=True)
class SiteSpec:
    """One hospital site: who it serves, how sick they are, how it images and writes.

    Parameters
    ----------
    name : short id used in tables (``"north"``).
    title : human-readable name.
    share : fraction of the default cohort admitted here.
    mean_age : mean age of adult admissions, years.
    race_mix : probabilities over ``RACES``.
    medicaid_rate : probability of Medicaid among patients under 65.
    phenotype_weights : relative frequency of each phenotype (case mix).
    scanner_brightness, scanner_contrast, scanner_noise : image acquisition style.
    abbreviation_rate : probability a note uses the short form of a phrase.
    scanner_blur : weight ``a`` of the detector's point-spread kernel ``[a, 1 - 2a, a]``
        (applied along rows and columns before the noise; 0 = perfectly sharp, at most
        0.25). A blurrier scanner keeps anatomy almost unchanged but suppresses pixel-level
        patterns: the planted texture survives at ``(1 - 4a) ** 2`` of its amplitude.
    """

    name: str
    title: str
    share: float
    mean_age: float
    race_mix: tuple[float, ...]
    medicaid_rate: float
    phenotype_weights: tuple[float, ...]
    scanner_brightness: float
    scanner_contrast: float
    scanner_noise: float
    abbreviation_rate: float
    scanner_blur: float = 0.0

    def __post_init__(self) -> None:
        owner = f"SiteSpec({self.name!r})"
        if not isinstance(self.name, str):
            raise TypeError(
                f"{owner}: name must be a short id string (e.g. 'north'), got {self.name!r}."
            )
        if not self.name.strip():
            raise ValueError(f"{owner}: name must be a non-empty id string (e.g. 'north').")
        numbers = validate(
            owner,
            {f.name: getattr(self, f.name) for f in dataclasses.fields(self)},
            {
                "share": Interval(float, 0, 1, closed="right"),
                "mean_age": Interval(float, 18, 100),
                "medicaid_rate": Interval(float, 0, 1),
                "scanner_brightness": Interval(float),
                "scanner_contrast": Interval(float, 0, None, closed="neither"),
                "scanner_noise": Interval(float, 0, None),
                "abbreviation_rate": Interval(float, 0, 1),
                "scanner_blur": Interval(float, 0, 0.25),
            },
        )
        # A frozen dataclass keeps what it was given: store the checked, normalised values
        # (Python floats, tuples), so numpy scalars and lists save to JSON and compare equal.
        for name, value in numbers.items():
            object.__setattr__(self, name, value)
        for name, size in (("race_mix", len(RACES)), ("phenotype_weights", N_PHENOTYPES)):
            given = getattr(self, name)
            rule = f"{owner}: {name} must be {size} non-negative finite weights, got {given!r}."
            if isinstance(given, str | bytes | dict):
                raise TypeError(rule)
            try:
                weights = np.asarray(given, dtype=float)
            except (TypeError, ValueError):
                raise TypeError(rule) from None
            if weights.shape != (size,) or not np.isfinite(weights).all() or (weights < 0).any():
                raise ValueError(rule)
            if weights.sum() <= 0:
                raise ValueError(f"{owner}: {name} must not be all zero.")
            object.__setattr__(self, name, tuple(float(w) for w in weights))
        if not abs(sum(self.race_mix) - 1) < 1e-6:
            raise ValueError(
                f"{owner}: race_mix must sum to 1 (probabilities over {RACES}), "
                f"got a sum of {sum(self.race_mix):g}."
            )


DEFAULT_SITES: tuple[SiteSpec, ...] = (
    SiteSpec(
        name="north",
        title="Northgate University Hospital (academic, tertiary referrals)",
        share=0.30,
        mean_age=66.0,
        race_mix=(0.62, 0.14, 0.10, 0.10, 0.04),
        medicaid_rate=0.15,
        phenotype_weights=(0.30, 0.25, 0.20, 0.12, 0.13),
        scanner_brightness=0.0,
        scanner_contrast=1.10,
        scanner_noise=5.0,
        abbreviation_rate=0.15,
    ),
    SiteSpec(
        name="harbor",
        title="Harbor City Hospital (urban safety-net)",
        share=0.25,
        mean_age=54.0,
        race_mix=(0.25, 0.35, 0.30, 0.06, 0.04),
        medicaid_rate=0.55,
        phenotype_weights=(0.34, 0.10, 0.10, 0.22, 0.24),
        scanner_brightness=14.0,
        scanner_contrast=0.90,
        scanner_noise=8.0,
        abbreviation_rate=0.75,
    ),
    SiteSpec(
        name="valley",
        title="Valley Regional Medical Center (rural)",
        share=0.20,
        mean_age=64.0,
        race_mix=(0.82, 0.05, 0.08, 0.02, 0.03),
        medicaid_rate=0.30,
        phenotype_weights=(0.34, 0.16, 0.26, 0.14, 0.10),
        scanner_brightness=-10.0,
        scanner_contrast=0.85,
        scanner_noise=6.5,
        abbreviation_rate=0.40,
    ),
    SiteSpec(
        name="river",
        title="Riverside Community Hospital (suburban community)",
        share=0.25,
        mean_age=60.0,
        race_mix=(0.55, 0.18, 0.15, 0.08, 0.04),
        medicaid_rate=0.25,
        phenotype_weights=(0.42, 0.15, 0.14, 0.15, 0.14),
        scanner_brightness=5.0,
        scanner_contrast=1.0,
        scanner_noise=5.5,
        abbreviation_rate=0.30,
        scanner_blur=0.125,
    ),
)


@dataclass(frozen=True)
class BiasConfig:
    """Planted biases, each with a strength in [0, 1] (0 switches it off) and its groups.

    Parameters
    ----------
    underdiagnosis : probability that a true diagnosis of a patient in an under-served
        group is missing from the recorded labels (per under-served membership; a patient
        in k such groups loses it with probability ``1 - (1 - underdiagnosis) ** k``).
        Imitates Seyyed-Kalantari et al., Nat Med 2021.
    underdiagnosis_groups : attribute -> values that are under-served.
    image_shortcut : amplitude (x ``SHORTCUT_MAX_GRAY`` grey levels) of a faint texture added
        to the chest images of ``shortcut_group``: invisible to the eye, learnable by a model.
        Imitates Gichoya et al., Lancet Digit Health 2022.
    shortcut_group : (attribute, value) whose images carry the texture.
    missingness : extra missingness of optional labs for ``missingness_groups``: their
        missing rate is multiplied by ``1 + MISSINGNESS_MAX_FACTOR * missingness``.
    missingness_groups : attribute -> values with under-ordered labs.
    """

    underdiagnosis: float = 0.3
    underdiagnosis_groups: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: {"race_ethnicity": ("Black", "Hispanic"), "sex": ("F",)}
    )
    image_shortcut: float = 0.5
    shortcut_group: tuple[str, str] = SHORTCUT_GROUP
    missingness: float = 0.5
    missingness_groups: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: {"insurance": ("Medicaid",)}
    )

    def off(self) -> BiasConfig:
        """The same configuration with every planted bias switched off."""
        return dataclasses.replace(self, underdiagnosis=0.0, image_shortcut=0.0, missingness=0.0)

    @property
    def is_off(self) -> bool:
        return self.underdiagnosis == 0 and self.image_shortcut == 0 and self.missingness == 0


SHORTCUT_MAX_GRAY = 6.0
"""Grey levels of the shortcut texture at strength 1 (image noise is 5-8 grey levels)."""

MISSINGNESS_MAX_FACTOR = 2.0


@dataclass(frozen=True)
class CohortConfig:
    """Everything needed to regenerate a cohort exactly: size, seed, sites, biases, shapes."""

    n_patients: int = 4000
    seed: int = 2024
    sites: tuple[SiteSpec, ...] = DEFAULT_SITES
    biases: BiasConfig = field(default_factory=BiasConfig)
    image_size: int = 32
    n_hours: int = 48

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (used for ``config.json`` and the datasheet)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CohortConfig:
        """Inverse of :meth:`to_dict`."""
        sites = tuple(
            SiteSpec(**{k: tuple(v) if isinstance(v, list) else v for k, v in s.items()})
            for s in data["sites"]
        )
        b = data["biases"]
        biases = BiasConfig(
            underdiagnosis=b["underdiagnosis"],
            underdiagnosis_groups={k: tuple(v) for k, v in b["underdiagnosis_groups"].items()},
            image_shortcut=b["image_shortcut"],
            shortcut_group=tuple(b["shortcut_group"]),
            missingness=b["missingness"],
            missingness_groups={k: tuple(v) for k, v in b["missingness_groups"].items()},
        )
        return cls(
            n_patients=int(data["n_patients"]),
            seed=int(data["seed"]),
            sites=sites,
            biases=biases,
            image_size=int(data["image_size"]),
            n_hours=int(data["n_hours"]),
        )
