"""Fair here, fair there? Models tuned at some hospitals, evaluated at a new one.

Yang et al. (Nat Med 2024) trained many models (algorithms x hyperparameters) at one set of
hospitals, and found that a model's in-distribution (ID) fairness gap says little about its
gap at a new hospital (out of distribution, OOD), while its AUROC carries over much better.
Within the development hospitals, mitigation tuned on validation data gave "locally optimal"
models with smaller gaps (:func:`select_mitigation`). They also compared ways to *select* a
model for the new site: the smallest ID gap, the best ID AUROC, or the least attribute
encoding. This module repeats the experiment on the
synthetic hospital with :func:`m3h_lite.splits.split_by_site`. Introduced in notebook 10.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from ..hospital.cohort import Cohort
from ..validation import expect_type, shown
from .audit import attribute_groups
from .shortcuts import (
    SHORTCUT_ATTRIBUTE,
    ModelSpec,
    bootstrap_correlation,
    check_results,
    check_run,
    check_specs,
    measure_model,
)


def default_transfer_family() -> list[ModelSpec]:
    """Fourteen models: capacities, inputs and the five training algorithms."""
    specs = [
        ModelSpec(hidden=4, epochs=4),
        ModelSpec(hidden=16, epochs=8),
        ModelSpec(hidden=64, epochs=10),
        ModelSpec(hidden=16, epochs=8, modalities=("images", "tabular")),
        ModelSpec(hidden=64, epochs=10, modalities=("images", "tabular")),
    ]
    for modalities in (("images",), ("images", "tabular")):
        specs += [
            ModelSpec(hidden=32, epochs=8, method="resample", modalities=modalities),
            ModelSpec(hidden=32, epochs=8, method="reweight", modalities=modalities),
            ModelSpec(
                hidden=32, epochs=8, method="groupdro", options={"eta": 0.05}, modalities=modalities
            ),  # fmt: skip
        ]
    specs += [
        ModelSpec(hidden=32, epochs=8, method="dann", options={"lam": 0.3}),
        ModelSpec(hidden=32, epochs=8, method="dann", options={"lam": 1.0}),
        ModelSpec(
            hidden=32,
            epochs=8,
            method="dann",
            options={"lam": 1.0},
            modalities=("images", "tabular"),
        ),  # fmt: skip
    ]
    return specs


def site_splits(
    cohort: Cohort, *, test_site: str, seed: int = 0
) -> tuple[Cohort, Cohort, Cohort, Cohort]:
    """Train, validation and ID-test patients from the training sites; the new site's patients.

    The training sites' patients are split 60/20/20 (by :func:`split_by_site`, then halving
    its validation part); every patient of ``test_site`` is the OOD test set.
    """
    from ..splits import split_by_site

    split = split_by_site(cohort, test_sites=test_site, val_size=0.4, seed=seed)
    val, id_test = train_test_split(split.val, test_size=0.5, random_state=seed)
    parts = (split.train, np.sort(val), np.sort(id_test), split.test)
    return tuple(cohort.subset(rows) for rows in parts)


def run_transfer_family(
    cohort: Cohort,
    specs: Sequence[ModelSpec] | None = None,
    *,
    test_site: str = "river",
    new_site: Cohort | None = None,
    against: str = "true",
    seed: int = 0,
    progress: bool = False,
) -> pd.DataFrame:
    """Train each model at the other sites; measure ID and OOD gap, AUROC and encoding.

    The threshold is chosen at the training sites (validation patients, F1 of detecting a
    finding) and kept at the new site, as a deployed model would be.

    Parameters
    ----------
    cohort : patients of all sites; ``test_site`` is held out of training.
    specs : the model family (default :func:`default_transfer_family`).
    test_site : the unseen hospital.
    new_site : optionally, a separately generated cohort to use as the unseen hospital
        instead of ``cohort``'s ``test_site`` patients (e.g. a hospital whose scanner does
        not carry the planted texture: ``generate_cohort(..., sites=["river"],
        image_shortcut=0)``). Models and in-distribution results are unchanged.

    Returns one row per model.
    """
    from tqdm.auto import tqdm

    specs = check_specs("run_transfer_family", specs, default_transfer_family)
    check_run("run_transfer_family", against=against, seed=seed, progress=progress)
    if new_site is not None:
        expect_type(
            new_site,
            Cohort,
            owner="run_transfer_family",
            name="new_site",
            what="None or a Cohort",
            fix="e.g. generate_cohort(..., sites=['river']).",
        )
    train, val, id_test, ood_test = site_splits(cohort, test_site=test_site, seed=seed)
    if new_site is not None:
        trained_at = set(train.groups["site"].astype(str))
        overlap = trained_at & set(new_site.groups["site"].astype(str))
        if overlap:
            raise ValueError(
                f"new_site contains training site(s) {sorted(overlap)}; a new hospital must "
                f"be unseen (training sites: {sorted(trained_at)})."
            )
        ood_test = new_site
    rows = []
    for spec in tqdm(specs, disable=not progress, desc="training models"):
        model = spec.build().fit(train)
        inside = measure_model(model, val=val, test=id_test, against=against, seed=seed)
        outside = measure_model(model, val=val, test=ood_test, against=against, seed=seed)
        rows.append(
            {
                "model": spec.label + ("" if spec.modalities == ("images",) else " +labs"),
                "method": spec.method,
                "encoding": inside["encoding"],
                "id_gap": inside["gap"],
                "ood_gap": outside["gap"],
                "id_auroc_gap": inside["auroc_gap"],
                "ood_auroc_gap": outside["auroc_gap"],
                "id_auroc": inside["auroc"],
                "ood_auroc": outside["auroc"],
            }
        )
    return pd.DataFrame(rows)


def transfer_correlations(results: pd.DataFrame, **options: Any) -> pd.DataFrame:
    """ID-vs-OOD correlation of the gap and of AUROC across the family, with bootstrap CIs."""
    check_results(
        "transfer_correlations",
        results,
        ("id_gap", "ood_gap", "id_auroc", "ood_auroc"),
        "run_transfer_family()",
    )
    return pd.DataFrame(
        {
            metric: bootstrap_correlation(
                results[f"id_{metric}"], results[f"ood_{metric}"], **options
            )
            for metric in ("gap", "auroc")
        }
    ).T.rename_axis("metric")


SELECTION_RULES: dict[str, tuple[str, bool]] = {
    "smallest ID gap": ("id_gap", True),
    "best ID AUROC": ("id_auroc", False),
    "least encoding": ("encoding", True),
}
"""Model-selection rule -> (column, smaller is better)."""


def compare_selection_rules(results: pd.DataFrame) -> pd.DataFrame:
    """Which model each rule picks at the training sites, and how fair it is at the new site.

    Also shows the oracle (the smallest OOD gap, knowable only after deployment) and the
    family's median OOD gap as a reference.
    """
    required = {"model", "encoding", "id_gap", "ood_gap", "id_auroc", "ood_auroc"}
    check_results("compare_selection_rules", results, required, "run_transfer_family()")
    rows = {}
    for rule, (column, smaller) in SELECTION_RULES.items():
        pick = results[column].idxmin() if smaller else results[column].idxmax()
        rows[rule] = results.loc[pick, ["model", "id_gap", "ood_gap", "ood_auroc"]]
    rows["oracle (smallest OOD gap)"] = results.loc[
        results["ood_gap"].idxmin(), ["model", "id_gap", "ood_gap", "ood_auroc"]
    ]
    table = pd.DataFrame(rows).T.rename_axis("rule")
    table.loc["family median"] = [
        "-",
        results["id_gap"].median(),
        results["ood_gap"].median(),
        results["ood_auroc"].median(),
    ]
    return table.astype({"id_gap": float, "ood_gap": float, "ood_auroc": float})


MITIGATION_GRID: dict[str, list[dict[str, float]]] = {
    "erm": [{}],
    "resample": [{"power": 0.5}, {"power": 1.0}],
    "reweight": [{"power": 0.5}, {"power": 1.0}],
    "groupdro": [{"eta": 0.01}, {"eta": 0.1}],
    "dann": [{"lam": 0.1}, {"lam": 0.3}, {"lam": 1.0}],
}
"""Each method's main hyperparameter values to choose from (Yang et al. tune power, eta, lambda)."""


def select_mitigation(
    cohort: Cohort,
    *,
    test_site: str = "river",
    grid: dict[str, list[dict[str, float]]] | None = None,
    train_seeds: Sequence[int] = (0, 1, 2),
    hidden: int = 32,
    epochs: int = 8,
    weight_decay: float | None = None,
    protect: str = "race_ethnicity",
    audit: tuple[str, str | None] = SHORTCUT_ATTRIBUTE,
    seed: int = 0,
    progress: bool = False,
) -> pd.DataFrame:
    """Yang et al.'s "locally optimal" models: each method tuned for the smallest validation gap.

    For every method and hyperparameter value in ``grid`` (default :data:`MITIGATION_GRID`),
    train one image model per training seed at the training sites and measure the
    underdiagnosis gap (Black vs others, against the true labels, threshold for F1 on the
    validation patients' recorded labels) on the validation patients and on the
    in-distribution test patients, averaged over training seeds. Per method, the value with
    the smallest *validation* gap is kept; the row ``"selected best"`` is the method whose
    kept value has the smallest validation gap. Test gaps are never used to choose.

    ``weight_decay`` (default: :class:`~m3h_lite.fairness.smallnet.SmallNet`'s strong 0.03) shows
    why regularisation matters: group-balanced training of a weakly regularised network
    memorises the few patients a small cell repeats (Sagawa et al., ICLR 2020).

    ``protect`` is the group column the mitigations balance (their ``attribute``);
    ``audit`` is the ``(attribute, value)`` whose gap is measured and minimised (default
    Black vs others by race/ethnicity; ``value=None`` compares every group).

    Returns one row per method (index) with the kept ``setting``, ``val_gap``,
    ``test_gap`` and ``test_auroc``, then the ``"selected best"`` row.
    """
    from tqdm.auto import tqdm

    grid = MITIGATION_GRID if grid is None else grid
    if not isinstance(grid, dict) or not all(isinstance(v, list | tuple) for v in grid.values()):
        raise TypeError(
            "select_mitigation: grid must be a dict method -> list of option dicts, e.g. "
            f"{{'erm': [{{}}], 'groupdro': [{{'eta': 0.1}}]}}, got {shown(grid)}."
        )
    if "erm" not in grid or len(grid) < 2:
        raise ValueError("grid needs the 'erm' baseline and at least one mitigation method.")
    if not train_seeds:
        raise ValueError("Give at least one training seed.")
    if protect not in cohort.groups:
        raise KeyError(
            f"protect={protect!r} is not a group column; use one of {list(cohort.groups)}."
        )
    if isinstance(audit, str) or not isinstance(audit, tuple | list) or len(audit) != 2:
        raise ValueError(
            f"select_mitigation: audit must be an (attribute, value) pair such as "
            f"('race_ethnicity', 'Black') (value None compares every group), got {audit!r}."
        )
    audit_attribute, audit_value = audit
    attribute_groups(cohort, audit_attribute, value=audit_value)  # refuses unknown names now
    train, val, id_test, _ = site_splits(cohort, test_site=test_site, seed=seed)
    jobs = [(m, opts, s) for m, values in grid.items() for opts in values for s in train_seeds]
    rows = []
    for method, options, train_seed in tqdm(jobs, disable=not progress, desc="training models"):
        spec = ModelSpec(
            hidden=hidden,
            epochs=epochs,
            method=method,
            options=options,
            seed=train_seed,
            weight_decay=weight_decay,
        )
        model = spec.build(attribute=protect).fit(train)
        where = {"attribute": audit_attribute, "value": audit_value, "seed": seed}
        on_val = measure_model(model, val=val, test=val, **where)
        on_test = measure_model(model, val=val, test=id_test, **where)
        rows.append(
            {
                "method": method,
                "setting": ",".join(f"{k}={v:g}" for k, v in options.items()) or "-",
                "val_gap": on_val["gap"],
                "test_gap": on_test["gap"],
                "test_auroc": on_test["auroc"],
            }
        )
    runs = pd.DataFrame(rows)
    means = runs.groupby(["method", "setting"], sort=False).mean().reset_index()
    picked = means.loc[means.groupby("method", sort=False)["val_gap"].idxmin()]
    picked = picked.set_index("method")
    mitigations = picked.drop(index="erm")
    best = mitigations["val_gap"].idxmin()
    picked.loc["selected best"] = mitigations.loc[best]
    picked.loc["selected best", "setting"] = f"{best}({mitigations.loc[best, 'setting']})"
    return picked


def mitigation_effect(results: pd.DataFrame) -> pd.DataFrame:
    """Mean ID and OOD gap (and AUROC) per training algorithm."""
    check_results(
        "mitigation_effect",
        results,
        ("method", "id_gap", "ood_gap", "id_auroc_gap", "ood_auroc_gap", "id_auroc", "ood_auroc"),
        "run_transfer_family()",
    )
    return (
        results.groupby("method", sort=False)[
            ["id_gap", "ood_gap", "id_auroc_gap", "ood_auroc_gap", "id_auroc", "ood_auroc"]
        ]
        .mean()
        .rename_axis("method")
    )


__all__ = [
    "MITIGATION_GRID",
    "SHORTCUT_ATTRIBUTE",
    "compare_selection_rules",
    "default_transfer_family",
    "mitigation_effect",
    "run_transfer_family",
    "select_mitigation",
    "site_splits",
    "transfer_correlations",
]
