"""``generate_cohort``: run the whole synthetic hospital from one seed.

Each modality and mechanism draws from its own child stream of one
``numpy.random.SeedSequence``, so changing, say, the image size leaves every other table
unchanged, and a bias-off twin differs from its biased sibling only where a bias acts.
Introduced in notebook 01.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..validation import Flag, Interval, as_name_list, shown, validate
from .cohort import GROUP_COLUMNS, Cohort, Truth
from .config import ATTRIBUTE_VALUES, DEFAULT_SITES, BiasConfig, CohortConfig, SiteSpec
from .images import simulate_images
from .notes import write_notes
from .outcomes import operations_outcomes, record_labels, true_diagnosis_probabilities
from .population import sample_demographics, sample_factors, sample_phenotypes
from .tabular import apply_missingness, feature_info, simulate_measurements
from .tasks import DIAGNOSES, DISPOSITIONS, PHENOTYPES, default_registry
from .timeseries import CHANNELS, simulate_timeseries

STREAMS: tuple[str, ...] = (
    "demographics",
    "phenotype",
    "factors",
    "private_causes",
    "tabular",
    "missingness",
    "timeseries",
    "notes",
    "images",
    "diagnoses",
    "underdiagnosis",
    "operations",
)
"""Named child streams, in spawn order (append new ones at the end to keep old cohorts)."""


def _check_strength(name: str, value: float) -> float:
    return validate(
        "generate_cohort",
        {name: value},
        {name: Interval(float, 0, 1)},
        fixes={name: "0 switches the bias off, 1 is the full planted strength."},
    )[name]


def estimated_peak_bytes(n_patients: int, image_size: int = 32, n_hours: int = 48) -> int:
    """A generous estimate of the memory generation needs at its peak (measured: about
    19 kB per patient at 32x32 images and 48 hours, including temporary arrays)."""
    return int(n_patients * (10 * image_size**2 + 40 * 6 * n_hours + 4000))


def _check_memory(n_patients: int, image_size: int, n_hours: int) -> None:
    import psutil

    need, free = estimated_peak_bytes(n_patients, image_size, n_hours), psutil.virtual_memory()
    if need > 0.8 * free.available:
        raise MemoryError(
            f"generate_cohort({n_patients:,}) would need about {need / 1e9:.1f} GB at its peak, "
            f"but only {free.available / 1e9:.1f} GB are free. Generate fewer patients (or "
            "smaller images / fewer hours), or generate in batches with different seeds."
        )


def _check_groups(name: str, groups: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """The groups, checked, with each attribute's values as a tuple (one name may be a string)."""
    if not isinstance(groups, Mapping):
        raise TypeError(
            f"generate_cohort: {name} must be a mapping attribute -> values, e.g. "
            f"{{'race_ethnicity': ('Black',)}}, got {shown(groups)}."
        )
    checked = {}
    for attribute, values in groups.items():
        if attribute not in ATTRIBUTE_VALUES:
            raise ValueError(
                f"{name}: unknown attribute {attribute!r}; use one of {list(ATTRIBUTE_VALUES)}."
            )
        values = as_name_list(
            values, owner="generate_cohort", name=f"{name}[{attribute!r}]", allow_empty=True
        )
        bad = [v for v in values if v not in ATTRIBUTE_VALUES[attribute]]
        if bad:
            raise ValueError(
                f"{name}: unknown {attribute} value(s) {bad}; "
                f"use some of {list(ATTRIBUTE_VALUES[attribute])}."
            )
        checked[attribute] = tuple(values)
    return checked


def _check_shortcut_group(group: object) -> tuple[str, str]:
    if (
        isinstance(group, str)
        or not isinstance(group, Iterable)
        or len(pair := tuple(group)) != 2
        or not all(isinstance(part, str) for part in pair)
    ):
        raise ValueError(
            f"generate_cohort: shortcut_group must be an (attribute, value) pair such as "
            f"('race_ethnicity', 'Black'), got {group!r}."
        )
    _check_groups("shortcut_group", {pair[0]: (pair[1],)})
    return pair


def _resolve_sites(sites: Sequence[str | SiteSpec] | None) -> tuple[SiteSpec, ...]:
    if sites is None:
        return DEFAULT_SITES
    if isinstance(sites, str | SiteSpec):
        sites = [sites]
    if not isinstance(sites, Iterable) or isinstance(sites, Mapping):
        raise TypeError(
            f"generate_cohort: sites must be None, a site name or a list of site names / "
            f"SiteSpec objects, got {shown(sites)}."
        )
    known = {s.name: s for s in DEFAULT_SITES}
    resolved = []
    for site in sites:
        if isinstance(site, SiteSpec):
            resolved.append(site)
        elif site in known:
            resolved.append(known[site])
        else:
            raise ValueError(
                f"Unknown site {site!r}. Known sites: {', '.join(known)} "
                "(or pass a SiteSpec to define a new hospital)."
            )
    if not resolved:
        raise ValueError("Give at least one site.")
    names = [s.name for s in resolved]
    if len(set(names)) != len(names):
        raise ValueError(f"Site names must be unique, got {names}.")
    return tuple(resolved)


def generate_cohort(
    n_patients: int = 4000,
    *,
    seed: int = 2024,
    sites: Sequence[str | SiteSpec] | None = None,
    image_size: int = 32,
    n_hours: int = 48,
    biases: BiasConfig | None = None,
    underdiagnosis: float | None = None,
    image_shortcut: float | None = None,
    missingness: float | None = None,
    bias_off: bool = False,
) -> Cohort:
    """Simulate ``n_patients`` admissions with all four modalities and the truth behind them.

    Parameters
    ----------
    n_patients : exact number of patients.
    seed : the one seed; same seed and options give a byte-identical cohort.
    sites : site names (``"north"``, ``"harbor"``, ``"valley"``, ``"river"``) or
        :class:`SiteSpec` objects; default all four.
    image_size : side of the square images in pixels (16-128).
    n_hours : hours of vital signs (6-168).
    biases : full planted-bias configuration; the three strengths below override it.
    underdiagnosis, image_shortcut, missingness : strengths in [0, 1] of each planted bias.
    bias_off : switch every planted bias off (the bias-off twin of the same seed).

    Returns
    -------
    Cohort

    Examples
    --------
    >>> cohort = generate_cohort(500, seed=1)
    >>> len(cohort), cohort.images.shape
    (500, (500, 32, 32))
    """
    checked = validate(
        "generate_cohort",
        locals(),
        {
            "n_patients": Interval(int, 1, None),
            "seed": Interval(int, 0, None),
            "image_size": Interval(int, 16, 128),
            "n_hours": Interval(int, 6, 168),
            "bias_off": Flag(),
        },
    )
    n_patients, seed, image_size, n_hours = (
        checked[k] for k in ("n_patients", "seed", "image_size", "n_hours")
    )
    _check_memory(n_patients, image_size, n_hours)
    if biases is not None and not isinstance(biases, BiasConfig):
        raise TypeError(
            f"generate_cohort: biases must be None or a BiasConfig, got {shown(biases)}. "
            "Use bias_off=True to switch every planted bias off."
        )
    biases = biases or BiasConfig()
    overrides = {
        k: _check_strength(k, v)
        for k, v in {
            "underdiagnosis": underdiagnosis,
            "image_shortcut": image_shortcut,
            "missingness": missingness,
        }.items()
        if v is not None
    }
    biases = dataclasses.replace(biases, **overrides)
    # Normalised values (floats, tuples) are stored, so the configuration saves to JSON.
    biases = dataclasses.replace(
        biases,
        **{
            name: _check_strength(name, getattr(biases, name))
            for name in ("underdiagnosis", "image_shortcut", "missingness")
        },
        underdiagnosis_groups=_check_groups("underdiagnosis_groups", biases.underdiagnosis_groups),
        missingness_groups=_check_groups("missingness_groups", biases.missingness_groups),
        shortcut_group=_check_shortcut_group(biases.shortcut_group),
    )
    if bias_off:
        biases = biases.off()
    config = CohortConfig(
        n_patients=int(n_patients),
        seed=int(seed),
        sites=_resolve_sites(sites),
        biases=biases,
        image_size=int(image_size),
        n_hours=int(n_hours),
    )
    return simulate(config)


def simulate(config: CohortConfig) -> Cohort:
    """Run the simulator for a validated :class:`CohortConfig`."""
    n, sites, biases = config.n_patients, config.sites, config.biases
    rng = {
        name: np.random.default_rng(child)
        for name, child in zip(
            STREAMS, np.random.SeedSequence(config.seed).spawn(len(STREAMS)), strict=True
        )
    }
    ids = pd.Index([f"P{i:06d}" for i in range(1, n + 1)], name="patient_id")

    demo = sample_demographics(n, sites, rng["demographics"])
    demo.index = ids
    phenotype = sample_phenotypes(demo, sites, rng["phenotype"])
    z = sample_factors(demo, phenotype, rng["factors"])
    private = rng["private_causes"].normal(size=(n, len(DIAGNOSES)))
    site_index = demo["site"].cat.codes.to_numpy()
    female = (demo["sex"] == "F").to_numpy().astype(float)

    # Diagnoses and operations outcomes.
    probs = true_diagnosis_probabilities(z, private)
    true_dx = rng["diagnoses"].random(probs.shape) < probs
    recorded_dx, miss_prob = record_labels(true_dx, demo, biases, rng["underdiagnosis"])
    ops = operations_outcomes(z, true_dx, demo, rng["operations"])

    # Modalities.
    measurements = simulate_measurements(z, private, female, rng["tabular"])
    measurements.index = ids
    measurements, missing_multiplier = apply_missingness(
        measurements, demo, biases, rng["missingness"]
    )
    timeseries = simulate_timeseries(z, private, config.n_hours, rng["timeseries"])
    notes = write_notes(
        z,
        private,
        demo["age"].to_numpy(),
        demo["sex"].astype(str).to_numpy(),
        site_index,
        sites,
        rng["notes"],
    )
    attribute, value = biases.shortcut_group
    shortcut_member = (demo[attribute] == value).to_numpy()
    images = simulate_images(
        z,
        private,
        site_index,
        sites,
        shortcut_member,
        biases.image_shortcut,
        config.image_size,
        rng["images"],
    )

    dx_names = [t.name for t in DIAGNOSES]

    def label_frame(dx: np.ndarray, readmitted: np.ndarray) -> pd.DataFrame:
        frame = pd.DataFrame(dx.astype(np.int8), index=ids, columns=dx_names)
        frame["length_of_stay"] = ops["length_of_stay"]
        frame["disposition"] = pd.Categorical.from_codes(ops["disposition"], DISPOSITIONS)
        frame["readmission_30d"] = readmitted.astype(np.int8)
        frame["phenotype"] = pd.Categorical.from_codes(phenotype, PHENOTYPES)
        return frame

    labels = label_frame(recorded_dx, ops["readmission_30d"])
    true_labels = label_frame(true_dx, ops["readmission_30d"])
    probabilities = pd.DataFrame(probs, index=ids, columns=dx_names)
    probabilities["readmission_30d"] = ops["readmission_30d_prob"]

    registry = default_registry()
    truth = Truth.from_arrays(
        {
            "factors": z,
            "private_causes": private,
            "probabilities": probabilities.to_numpy(),
            "disposition_probabilities": ops["disposition_probs"],
            "expected_length_of_stay": ops["length_of_stay_mean"],
            "underdiagnosis_probability": miss_prob,
            "missingness_multiplier": missing_multiplier,
            "shortcut_member": shortcut_member,
        },
        ids=ids,
        labels=true_labels,
        planted=dataclasses.asdict(biases),
        task_loadings=registry.loadings(),
    )
    tabular = pd.concat([demo.drop(columns="age_band"), measurements], axis=1)
    return Cohort(
        config=config,
        tabular=tabular,
        timeseries=timeseries,
        timeseries_channels=CHANNELS,
        notes=pd.Series(notes, index=ids, name="note"),
        images=images,
        labels=labels,
        tasks=registry,
        groups=demo[list(GROUP_COLUMNS)],
        truth=truth,
        feature_info=feature_info(),
    )
