"""The shortcut experiment: a model can see a group the eye cannot, and the more it encodes
the group, the larger its fairness gap.

The generator planted a faint checkerboard texture in the chest images of one group
(``cohort.truth.shortcut_member``; strength ``image_shortcut``), and recorded labels miss
diagnoses more often in under-served groups. A model trained on those labels can learn
"this image looks like group A, whose diagnoses are rarely recorded, so say no finding".
Here a family of small models (varying the shortcut's strength, the model's capacity and
the training algorithm) is trained; for each we measure the **encoding** (probe AUROC of
the attribute on its penultimate features) and the **fairness gap** (max - min
underdiagnosis across groups, against the true labels), then correlate the two with a
bootstrap confidence interval (Yang et al., Nat Med 2024). Introduced in notebook 09.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..evaluation import bootstrap_interval, bootstrap_settings
from ..hospital.cohort import LABEL_SOURCES, Cohort
from ..hospital.config import SHORTCUT_GROUP
from ..validation import Flag, Interval, Options, align_pandas, expect_type, shown, validate
from .audit import NO_FINDING, attribute_groups, audit_subgroups, task_threshold
from .probe import probe_attribute

SHORTCUT_ATTRIBUTE = SHORTCUT_GROUP
"""The group whose images carry the planted texture (``BiasConfig``'s default)."""


def group_mean_images(
    cohort: Cohort, *, attribute: str = SHORTCUT_GROUP[0], value: str = SHORTCUT_GROUP[1]
) -> dict[str, np.ndarray]:
    """Average image of a group, of everyone else, and their difference.

    The averages look alike to the eye: the planted texture is a few grey levels on top of
    anatomy that varies far more from patient to patient.
    """
    expect_type(
        value, str, owner="group_mean_images", name="value", what="one group's name",
        fix=f"e.g. value={SHORTCUT_GROUP[1]!r}: its mean image is compared with everyone else's.",
    )  # fmt: skip
    groups = attribute_groups(cohort, attribute, value=value).to_numpy()
    images = cohort.images.astype(float)
    inside = images[groups == value].mean(axis=0)
    outside = images[groups != value].mean(axis=0)
    return {value: inside, f"not {value}": outside, "difference": inside - outside}


@dataclass(frozen=True)
class ModelSpec:
    """One member of a model family: shortcut strength, capacity and training algorithm.

    ``weight_decay`` of ``None`` keeps :class:`~m3h_lite.fairness.smallnet.SmallNet`'s default.
    """

    hidden: int = 32
    method: str = "erm"
    options: dict[str, float] = field(default_factory=dict)
    modalities: tuple[str, ...] = ("images",)
    epochs: int = 8
    seed: int = 0
    shortcut: float | None = None
    weight_decay: float | None = None

    @property
    def label(self) -> str:
        opts = ",".join(f"{k}={v:g}" for k, v in self.options.items())
        method = f"{self.method}({opts})" if opts else self.method
        strength = "" if self.shortcut is None else f"shortcut={self.shortcut:g} "
        return f"{strength}h={self.hidden} {method}"

    def build(self, *, attribute: str = "race_ethnicity") -> Any:
        """The untrained :class:`~m3h_lite.fairness.smallnet.SmallNet` this spec describes."""
        from .mitigation import make_mitigation
        from .smallnet import SmallNet

        mitigation = None
        if str(self.method).lower() == "erm" and self.options:
            raise ValueError(
                f"ModelSpec: options {self.options} given, but method 'erm' takes none (plain "
                "training). Choose a mitigation method, e.g. method='groupdro'."
            )
        if self.method != "erm":
            mitigation = make_mitigation(self.method, attribute=attribute, **self.options)
        options = {} if self.weight_decay is None else {"weight_decay": self.weight_decay}
        return SmallNet(
            hidden=self.hidden,
            modalities=self.modalities,
            mitigation=mitigation,
            epochs=self.epochs,
            seed=self.seed,
            **options,
        )


def default_shortcut_family() -> list[ModelSpec]:
    """Fifteen small models: five shortcut strengths x three capacities / algorithms."""
    specs = []
    for strength in (0.0, 0.1, 0.25, 0.5, 1.0):
        specs.append(ModelSpec(hidden=8, epochs=4, shortcut=strength))
        specs.append(ModelSpec(hidden=64, epochs=10, shortcut=strength))
        specs.append(ModelSpec(hidden=64, epochs=10, method="dann", options={"lam": 1.0},
                               shortcut=strength))  # fmt: skip
    return specs


def measure_model(
    model: Any,
    *,
    val: Cohort,
    test: Cohort,
    attribute: str = SHORTCUT_ATTRIBUTE[0],
    value: str | None = SHORTCUT_ATTRIBUTE[1],
    task: str = NO_FINDING,
    against: str = "true",
    seed: int = 0,
) -> dict[str, float]:
    """Encoding, fairness gap and AUROC of a fitted model.

    The threshold is chosen for F1 on the validation patients' recorded labels (what a
    hospital can do); the gap is the underdiagnosis gap on the test patients against
    ``against`` labels; the encoding is the probe AUROC on the test patients' features.
    """
    threshold = task_threshold(val, model.predict_proba(val), task=task)
    scores = model.predict_proba(test)
    result = audit_subgroups(
        test, scores, task=task, attribute=attribute, value=value, against=against,
        threshold=threshold, allow_undefined=True,
    )  # fmt: skip
    groups = attribute_groups(test, attribute, value=value).to_numpy()
    encoding = probe_attribute(model.embed(test), groups, seed=seed).auroc
    return {
        "encoding": encoding,
        "gap": result.gap("underdiagnosis"),
        "auroc_gap": result.gap("auroc"),
        "auroc": float(result.table.loc["overall", "auroc"]),
        "threshold": threshold,
    }


def run_shortcut_family(
    specs: Sequence[ModelSpec] | None = None,
    *,
    n_patients: int = 4000,
    seed: int = 2024,
    split_seed: int = 0,
    test_size: float = 0.3,
    against: str = "true",
    progress: bool = False,
) -> pd.DataFrame:
    """Train a family of models on cohorts that differ only in the shortcut's strength.

    Each distinct ``spec.shortcut`` regenerates the cohort with that ``image_shortcut`` (same
    seed, so patients, labels and every other modality are identical; the shipped cohort's
    world is ``seed=2024``). Returns one row per model: its description, encoding, gap, AUROC.
    """
    from tqdm.auto import tqdm

    from ..hospital.generate import generate_cohort
    from ..splits import split_patients

    specs = check_specs("run_shortcut_family", specs, default_shortcut_family)
    check_run("run_shortcut_family", against=against, seed=seed, progress=progress)
    validate(
        "run_shortcut_family",
        {"n_patients": n_patients, "split_seed": split_seed, "test_size": test_size},
        {
            "n_patients": Interval(int, 1, None),
            "split_seed": Interval(int, 0, None),
            "test_size": Interval(float, 0, 1, closed="neither"),
        },
    )
    cohorts: dict[float | None, tuple[Cohort, Cohort, Cohort]] = {}
    rows = []
    for spec in tqdm(specs, disable=not progress, desc="training models"):
        if spec.shortcut not in cohorts:
            options = {} if spec.shortcut is None else {"image_shortcut": spec.shortcut}
            cohort = generate_cohort(n_patients, seed=seed, **options)
            split = split_patients(cohort, seed=split_seed, test_size=test_size)
            cohorts[spec.shortcut] = tuple(cohort.subset(rows) for rows in split)
        train, val, test = cohorts[spec.shortcut]
        model = spec.build().fit(train)
        metrics = measure_model(model, val=val, test=test, against=against, seed=split_seed)
        rows.append(
            {
                "model": spec.label,
                "shortcut": spec.shortcut,
                "hidden": spec.hidden,
                "method": spec.method,
                **metrics,
            }
        )
    return pd.DataFrame(rows)


def bootstrap_correlation(
    x: Iterable[float],
    y: Iterable[float],
    *,
    n_bootstrap: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, float]:
    """Pearson correlation with a percentile bootstrap interval (resampling models)."""
    n_bootstrap, seed, level = bootstrap_settings(
        "bootstrap_correlation", n_bootstrap=n_bootstrap, seed=seed, level=level
    )
    inputs = align_pandas({"x": x, "y": y}, owner="bootstrap_correlation")
    arrays = {}
    for name, values in inputs.items():
        try:
            if isinstance(values, str | bytes):
                raise TypeError
            arrays[name] = np.asarray(list(values), dtype=float)
        except (TypeError, ValueError):
            raise TypeError(
                f"bootstrap_correlation: {name} must be a sequence of numbers (one per model), "
                f"got {shown(values)}."
            ) from None
    x, y = arrays["x"], arrays["y"]
    if len(x) != len(y):
        raise ValueError(f"Length mismatch: {len(x)} x values, {len(y)} y values.")
    if len(x) < 3:
        raise ValueError("A correlation needs at least three models.")
    if np.isnan(x).any() or np.isnan(y).any():
        raise ValueError("x or y contains NaN; drop the models whose metric is undefined.")
    if x.std() == 0 or y.std() == 0:
        raise ValueError("x or y is constant: the correlation is undefined.")
    r = float(np.corrcoef(x, y)[0, 1])
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(n_bootstrap):
        rows = rng.integers(0, len(x), len(x))
        if x[rows].std() > 0 and y[rows].std() > 0:
            draws.append(np.corrcoef(x[rows], y[rows])[0, 1])
    low, high = bootstrap_interval(draws, level=level)
    return {"r": r, "low": low, "high": high, "n_models": len(x)}


def check_results(owner: str, results: Any, required: Iterable[str], source: str) -> None:
    """Refuse a results table that is not a DataFrame with the ``required`` columns."""
    expect_type(
        results, pd.DataFrame, owner=owner, name="results", what="a DataFrame",
        fix=f"Use the table {source} returns.",
    )  # fmt: skip
    missing = sorted(set(required) - set(results.columns))
    if missing:
        raise KeyError(f"{owner}: results lack columns {missing}; use {source}.")


def check_specs(owner: str, specs: Sequence[Any] | None, default) -> list[ModelSpec]:
    """The model family as a non-empty list of :class:`ModelSpec` (default: ``default()``)."""
    if specs is None:
        return list(default())
    if isinstance(specs, ModelSpec | str) or not isinstance(specs, Iterable):
        raise TypeError(
            f"{owner}: specs must be a list of ModelSpec objects (e.g. [m3h.ModelSpec(hidden=8)]), "
            f"got {shown(specs)}."
        )
    specs = list(specs)
    if not specs:
        raise ValueError("Give at least one ModelSpec.")
    wrong = [s for s in specs if not isinstance(s, ModelSpec)]
    if wrong:
        raise TypeError(
            f"{owner}: specs must be ModelSpec objects, got {shown(wrong[0])}; describe each "
            "model with m3h.ModelSpec(hidden=..., method=..., options=...)."
        )
    return specs


def check_run(owner: str, *, against: str, seed: int, progress: bool) -> None:
    """The options every family run shares, checked before any model is trained."""
    validate(
        owner,
        {"against": against, "seed": seed, "progress": progress},
        {"against": Options(LABEL_SOURCES), "seed": Interval(int, 0, None), "progress": Flag()},
    )


def encoding_gap_correlation(results: pd.DataFrame, **options: Any) -> dict[str, float]:
    """Correlation between ``encoding`` and ``gap`` across a family's results."""
    check_results("encoding_gap_correlation", results, ("encoding", "gap"), "run_shortcut_family()")
    return bootstrap_correlation(results["encoding"], results["gap"], **options)
