"""Wrong calls against the public API, table-driven: each is refused clearly or computed right.

Every row is one call and its expected outcome:

* ``Raises(error, text)``: the call raises ``error`` (or a subclass) and the message contains
  ``text``, which names the offending option (so a learner can see what to change);
* ``Returns(check)``: the call is accepted (numpy scalars, a pandas Series in another order,
  a single name for a list of names, ...) and ``check(result, world)`` confirms the value.

Rows marked ``KNOWN_GAP`` document inputs that ``m3h_lite.multitask`` still accepts (fixed
elsewhere; the xfail is strict, so the row fails once they are refused and must be updated).

The fixtures are small (300 patients of the shipped cohort, a 60-patient saved cohort),
so the whole table runs in well under a minute on one core.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import math
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

import m3h_lite as m3h
from m3h_lite.evaluation import UndefinedMetricError
from m3h_lite.fairness.mitigation import make_mitigation
from m3h_lite.hospital.config import DEFAULT_SITES
from m3h_lite.hospital.storage import write_manifest

NAN, INF = float("nan"), float("inf")
CohortFileError = m3h.CohortFileError


@dataclass(frozen=True)
class Raises:
    error: type[BaseException] | tuple[type[BaseException], ...]
    text: str


@dataclass(frozen=True)
class Returns:
    check: Callable[[Any, World], bool]


@dataclass(frozen=True)
class Case:
    name: str
    call: Callable[[World], Any]
    expect: Raises | Returns
    known_gap: str = ""  # why a multitask gap is still open (strict xfail)


# ----------------------------------------------------------------------------- fixtures


class World:
    """Small inputs, built on first use and shared by every row of the module."""

    tmp: Path

    def __init__(self, tmp_factory):
        self._tmp_factory = tmp_factory

    @cached_property
    def shipped(self):
        return m3h.load_cohort()

    @cached_property
    def cohort(self):
        return self.shipped.subset(range(300))

    @cached_property
    def other(self):
        """300 other patients (an evaluation cohort other than ``cohort``)."""
        return self.shipped.subset(range(300, 600))

    @cached_property
    def small(self):
        return self.shipped.subset(range(600, 720))

    @cached_property
    def tiny_images(self):
        return m3h.generate_cohort(40, seed=1, image_size=16, n_hours=6)

    @property
    def p(self) -> np.ndarray:
        return self.cohort.truth.probabilities["sepsis"].to_numpy()

    @property
    def y(self) -> np.ndarray:
        return self.cohort.truth.labels["sepsis"].to_numpy()

    @property
    def ids(self) -> pd.Index:
        return self.cohort.patient_ids

    def shuffled(self, values, seed: int = 0) -> pd.Series:
        """``values`` as a Series on the cohort's ids, rows in another order."""
        return pd.Series(np.asarray(values), index=self.ids).sample(frac=1, random_state=seed)

    # synthetic audit arrays (two groups with positives and negatives in each)
    @cached_property
    def toy(self):
        rng = np.random.default_rng(0)
        n = 200
        y = rng.integers(0, 2, n)
        p = np.clip(y * 0.3 + rng.random(n) * 0.7, 0, 1)
        g = np.where(rng.random(n) < 0.5, "a", "b")
        return y, p, g

    def toy_series(self, seed: int = 1):
        """The toy arrays as Series: y in order, p and g shuffled (same index labels)."""
        y, p, g = self.toy
        index = pd.Index([f"Q{i:03d}" for i in range(len(y))])
        ys = pd.Series(y, index=index)
        ps = pd.Series(p, index=index).sample(frac=1, random_state=seed)
        gs = pd.Series(g, index=index).sample(frac=1, random_state=seed + 1)
        return ys, ps, gs

    @cached_property
    def baselines(self):
        return m3h.SingleTaskBaselines(tasks=["sepsis", "pneumonia"], modalities=["tabular"]).fit(
            self.cohort
        )

    @cached_property
    def fusion(self):
        return m3h.fit_fusion(
            self.cohort,
            self.other,
            tasks=["sepsis", "heart_failure"],
            modalities=["tabular", "timeseries"],
            n_folds=2,
        )

    @cached_property
    def net(self):
        return m3h.SmallNet(epochs=1, hidden=8).fit(self.cohort)

    def audit(self, **options):
        options = {"task": "pneumonia", "attribute": "sex", **options}
        if "scores" in options:
            scores = options.pop("scores")
        else:
            scores = self.cohort.truth.probabilities[options["task"]].to_numpy()
        return m3h.audit_subgroups(self.cohort, scores, **options)

    def results(self, drop: str | None = None) -> pd.DataFrame:
        """A family-results table in the format of run_transfer_family."""
        rng = np.random.default_rng(0)
        columns = ["encoding", "id_gap", "ood_gap", "id_auroc_gap", "ood_auroc_gap"]
        frame = pd.DataFrame(rng.random((6, len(columns))), columns=columns)
        frame["id_auroc"], frame["ood_auroc"] = rng.random(6), rng.random(6)
        frame.insert(0, "model", [f"m{i}" for i in range(6)])
        frame.insert(1, "method", ["erm", "erm", "dann", "dann", "groupdro", "groupdro"])
        frame["gap"] = frame["id_gap"]
        return frame.drop(columns=[drop]) if drop else frame

    # a saved 60-patient cohort; every tampering row works on its own copy
    @cached_property
    def _saved(self) -> Path:
        folder = self._tmp_factory.mktemp("saved") / "cohort"
        m3h.save_cohort(m3h.generate_cohort(60, seed=3, image_size=16, n_hours=6), folder)
        return folder

    def copy(self) -> Path:
        target = self.tmp / "copy"
        shutil.copytree(self._saved, target)
        return target


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return World(tmp_path_factory)


# ----------------------------------------------------------------------------- helpers


def close(a, b, tol=1e-9) -> bool:
    return math.isclose(float(a), float(b), rel_tol=tol, abs_tol=tol)


def site(**changes):
    return dataclasses.replace(DEFAULT_SITES[0], **changes)


def gen(n=40, **options):
    return m3h.generate_cohort(n, seed=1, image_size=16, n_hours=6, **options)


def ev(w, predictions, **options):
    return m3h.evaluate(w.cohort, predictions, **options)


def ev_value(w, prediction, metric="auroc", **options):
    table = ev(w, {"sepsis": prediction}, metrics=[metric], **options)
    return float(table["value"].iloc[0])


def rewrite_csv(folder: Path, name: str, edit: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    path = folder / name
    frame = pd.read_csv(path, index_col="patient_id")
    text = edit(frame).to_csv(lineterminator="\n").encode()
    path.write_bytes(gzip.compress(text, mtime=0))


def rewrite_npz(folder: Path, name: str, edit: Callable[[dict], dict]) -> None:
    path = folder / name
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    np.savez_compressed(path, **edit(arrays))
    if not path.exists():  # np.savez appends .npz to names without it
        raise AssertionError(path)


def tamper(w, edit: Callable[[Path], None], *, manifest: bool = True, verify: bool = True):
    """Copy the saved cohort, apply ``edit``, optionally re-sign it, then load it."""
    folder = w.copy()
    edit(folder)
    if manifest:
        write_manifest(folder)
    return m3h.load_cohort(folder, verify=verify)


def edit_config(change: Callable[[dict], None]) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        meta = json.loads((folder / "config.json").read_text())
        change(meta)
        (folder / "config.json").write_text(json.dumps(meta))

    return edit


def feedback(status: str, text: str = "") -> Returns:
    return Returns(lambda fb, w: fb.status == status and text in fb.message)


def pairs_equal(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    pd.testing.assert_frame_equal(a, b)
    return True


E = Raises
V, T, K = ValueError, TypeError, KeyError

# ----------------------------------------------------------------------------- the table

CASES: list[Case] = []


def case(name: str, call: Callable[[World], Any], expect: Raises | Returns, gap: str = "") -> None:
    CASES.append(Case(name, call, expect, gap))


# -- generate_cohort ----------------------------------------------------------------------
for value, error in [(0, V), (-5, V), (NAN, V), (1.5, V), ("40", T), (True, T)]:
    case(f"generate n_patients={value!r}", lambda w, v=value: gen(v), E(error, "n_patients must"))
case(
    "generate n_patients=np.int64", lambda w: gen(np.int64(30)), Returns(lambda c, w: len(c) == 30)
)
case("generate seed=-1", lambda w: m3h.generate_cohort(20, seed=-1), E(V, "seed must"))
case("generate seed=2.5", lambda w: m3h.generate_cohort(20, seed=2.5), E(V, "seed must"))
case(
    "generate image_size=8",
    lambda w: m3h.generate_cohort(20, image_size=8),
    E(V, "image_size must"),
)
case(
    "generate image_size=np.int64",
    lambda w: m3h.generate_cohort(20, seed=1, image_size=np.int64(16), n_hours=6),
    Returns(lambda c, w: c.images.shape == (20, 16, 16) and type(c.config.image_size) is int),
)
case("generate n_hours=5", lambda w: m3h.generate_cohort(20, n_hours=5), E(V, "n_hours must"))
case("generate n_hours=inf", lambda w: m3h.generate_cohort(20, n_hours=INF), E(V, "n_hours must"))
case("generate bias_off='no'", lambda w: gen(bias_off="no"), E(V, "bias_off must be True or False"))
case(
    "generate bias_off=np.bool_",
    lambda w: gen(bias_off=np.bool_(True)),
    Returns(lambda c, w: c.config.biases.is_off),
)
case("generate underdiagnosis=1.5", lambda w: gen(underdiagnosis=1.5), E(V, "underdiagnosis must"))
case("generate image_shortcut=nan", lambda w: gen(image_shortcut=NAN), E(V, "image_shortcut must"))
case("generate missingness=-0.1", lambda w: gen(missingness=-0.1), E(V, "missingness must"))
case(
    "generate underdiagnosis=np.float32",
    lambda w: gen(underdiagnosis=np.float32(0.25)),
    Returns(lambda c, w: type(c.config.biases.underdiagnosis) is float),
)
case("generate sites='nowhere'", lambda w: gen(sites="nowhere"), E(V, "Unknown site 'nowhere'"))
case("generate sites=[]", lambda w: gen(sites=[]), E(V, "at least one site"))
case("generate sites repeat", lambda w: gen(sites=["north", "north"]), E(V, "must be unique"))
case("generate sites=42", lambda w: gen(sites=42), E(T, "generate_cohort: sites must be"))
case(
    "generate sites='north'",
    lambda w: gen(sites="north"),
    Returns(lambda c, w: set(c.groups["site"].astype(str)) == {"north"}),
)
case("generate biases='off'", lambda w: gen(biases="off"), E(T, "generate_cohort: biases must be"))
case(
    "generate biases strength 2",
    lambda w: gen(biases=m3h.BiasConfig(underdiagnosis=2.0)),
    E(V, "underdiagnosis must"),
)
case(
    "generate groups unknown attribute",
    lambda w: gen(biases=m3h.BiasConfig(underdiagnosis_groups={"race": ("Black",)})),
    E(V, "unknown attribute 'race'"),
)
case(
    "generate groups one name as a string",
    lambda w: gen(biases=m3h.BiasConfig(underdiagnosis_groups={"race_ethnicity": "Black"})),
    Returns(lambda c, w: c.config.biases.underdiagnosis_groups == {"race_ethnicity": ("Black",)}),
)
case(
    "generate groups as a list",
    lambda w: gen(biases=m3h.BiasConfig(underdiagnosis_groups=["sex"])),
    E(T, "underdiagnosis_groups must be"),
)
case(
    "generate shortcut_group of one",
    lambda w: gen(biases=m3h.BiasConfig(shortcut_group=("race_ethnicity",))),
    E(V, "shortcut_group must be"),
)
case(
    "generate shortcut_group unknown value",
    lambda w: gen(biases=m3h.BiasConfig(shortcut_group=("race_ethnicity", "Martian"))),
    E(V, "'Martian'"),
)
case(
    "generate BiasConfig np.float32 saves",
    lambda w: m3h.load_cohort(
        m3h.save_cohort(gen(20, biases=m3h.BiasConfig(image_shortcut=np.float32(0.5))), w.tmp)
    ),
    Returns(lambda c, w: c.config.biases.image_shortcut == 0.5),
)

# -- SiteSpec -----------------------------------------------------------------------------
for option, value, error in [
    ("share", 0, V),
    ("share", 1.5, V),
    ("share", NAN, V),
    ("share", "0.3", T),
    ("mean_age", 10, V),
    ("medicaid_rate", -0.1, V),
    ("scanner_contrast", 0, V),
    ("scanner_noise", -1, V),
    ("scanner_blur", 0.3, V),
    ("abbreviation_rate", INF, V),
    ("scanner_brightness", None, T),
]:
    case(
        f"SiteSpec {option}={value!r}",
        lambda w, o=option, v=value: site(**{o: v}),
        E(error, f"{option} must"),
    )
for option, value, text in [
    ("race_mix", (0.5, 0.5), "race_mix must be 5"),
    ("race_mix", (0.3,) * 5, "race_mix must sum to 1"),
    ("race_mix", (1.2, -0.2, 0, 0, 0), "race_mix must be 5 non-negative"),
    ("race_mix", "abcde", "race_mix must be 5"),
    ("phenotype_weights", (0, 0, 0, 0, 0), "phenotype_weights must not be all zero"),
    ("phenotype_weights", (1, 1, 1, NAN, 1), "phenotype_weights must be 5"),
    ("phenotype_weights", {"a": 1}, "phenotype_weights must be 5"),
]:
    case(
        f"SiteSpec {option}={value!r}", lambda w, o=option, v=value: site(**{o: v}), E((V, T), text)
    )
case("SiteSpec name=''", lambda w: site(name=""), E(V, "name must be"))
case("SiteSpec name=5", lambda w: site(name=5), E(T, "name must be"))
case(
    "SiteSpec share=np.float32",
    lambda w: site(share=np.float32(0.3)),
    Returns(lambda s, w: type(s.share) is float and close(s.share, 0.3, 1e-6)),
)
case(
    "SiteSpec race_mix list",
    lambda w: site(race_mix=[0.6, 0.2, 0.1, 0.05, 0.05]),
    Returns(lambda s, w: s.race_mix == (0.6, 0.2, 0.1, 0.05, 0.05) and hash(s) is not None),
)
case(
    "SiteSpec np.float32 cohort saves",
    lambda w: m3h.load_cohort(
        m3h.save_cohort(gen(20, sites=[site(share=np.float32(1.0), name="solo")]), w.tmp)
    ),
    Returns(lambda c, w: c.config.sites[0].share == 1.0),
)

# -- load_cohort / save_cohort / verify_checksums -----------------------------------------
case(
    "load missing folder",
    lambda w: m3h.load_cohort(w.tmp / "nope"),
    E(CohortFileError, "No cohort folder"),
)
case(
    "load a missing file",
    lambda w: tamper(w, lambda f: (f / "labels.csv.gz").unlink(), manifest=False),
    E(CohortFileError, "Missing data file"),
)
case(
    "load an edited file",
    lambda w: tamper(w, lambda f: (f / "notes.csv.gz").write_bytes(b"edited"), manifest=False),
    E(CohortFileError, "Checksum mismatch"),
)
case(
    "load a bad manifest",
    lambda w: tamper(w, lambda f: (f / "SHA256SUMS").write_text("nonsense\n"), manifest=False),
    E(CohortFileError, "is not '<sha256>  <file name>'"),
)
case(
    "load without manifest",
    lambda w: tamper(w, lambda f: (f / "SHA256SUMS").unlink(), manifest=False),
    E(CohortFileError, "No checksum manifest"),
)
case(
    "load verify='no'",
    lambda w: m3h.load_cohort(w.copy(), verify="no"),
    E(V, "load_cohort: verify must be True or False"),
)
case(
    "load verify=np.bool_",
    lambda w: m3h.load_cohort(w.copy(), verify=np.bool_(False)),
    Returns(lambda c, w: len(c) == 60),
)
case("load path=123", lambda w: m3h.load_cohort(123), E(T, "load_cohort: path must be"))
case(
    "load path as str", lambda w: m3h.load_cohort(str(w.copy())), Returns(lambda c, w: len(c) == 60)
)
case(
    "load shuffled labels",
    lambda w: tamper(
        w, lambda f: rewrite_csv(f, "labels.csv.gz", lambda t: t.sample(frac=1, random_state=0))
    ),
    E(CohortFileError, "labels.csv.gz does not list the same patient ids"),
)


def _label_two(table):
    table.iloc[0, 0] = 2
    return table


case(
    "load label 2",
    lambda w: tamper(w, lambda f: rewrite_csv(f, "labels.csv.gz", _label_two)),
    E(CohortFileError, "outside its domain"),
)
case(
    "load format version 2",
    lambda w: tamper(w, edit_config(lambda m: m.update(format_version=2))),
    E(CohortFileError, "format version"),
)
case(
    "load config not JSON",
    lambda w: tamper(w, lambda f: (f / "config.json").write_text("{not json"), verify=False),
    E(CohortFileError, "config.json"),
)
case(
    "load config without 'config'",
    lambda w: tamper(w, edit_config(lambda m: m.pop("config")), verify=False),
    E(CohortFileError, "config.json"),
)
case(
    "load config with a bad site share",
    lambda w: tamper(w, edit_config(lambda m: m["config"]["sites"][0].update(share=-1))),
    E(CohortFileError, "share must be"),
)
case(
    "load config n_patients 59",
    lambda w: tamper(w, edit_config(lambda m: m["config"].update(n_patients=59))),
    E(CohortFileError, "configuration says 59"),
)
case(
    "load tabular without site",
    lambda w: tamper(
        w, lambda f: rewrite_csv(f, "tabular.csv.gz", lambda t: t.drop(columns="site"))
    ),
    E(CohortFileError, "tabular.csv.gz"),
)


def _mars(table):
    table["site"] = table["site"].astype(object)
    table.iloc[0, table.columns.get_loc("site")] = "mars"
    return table


case(
    "load tabular unknown site",
    lambda w: tamper(w, lambda f: rewrite_csv(f, "tabular.csv.gz", _mars)),
    E(CohortFileError, "column 'site' holds values"),
)


def _blank_note(table):
    table.iloc[3, 0] = np.nan
    return table


case(
    "load a missing note",
    lambda w: tamper(w, lambda f: rewrite_csv(f, "notes.csv.gz", _blank_note)),
    E(CohortFileError, "notes.csv.gz"),
)
case(
    "load truth.npz without factors",
    lambda w: tamper(
        w,
        lambda f: rewrite_npz(
            f, "truth.npz", lambda a: {k: v for k, v in a.items() if k != "factors"}
        ),
    ),
    E(CohortFileError, "truth.npz"),
)
case(
    "load signals.npz small images",
    lambda w: tamper(
        w,
        lambda f: rewrite_npz(f, "signals.npz", lambda a: {**a, "images": a["images"][:, :8, :8]}),
    ),
    E(CohortFileError, "signals.npz: images has shape"),
)
case(
    "load signals.npz without images",
    lambda w: tamper(
        w,
        lambda f: rewrite_npz(
            f, "signals.npz", lambda a: {"timeseries_tenths": a["timeseries_tenths"]}
        ),
    ),
    E(CohortFileError, "signals.npz"),
)
case(
    "verify_checksums missing folder",
    lambda w: m3h.verify_checksums(w.tmp / "nope"),
    E(CohortFileError, "No checksum manifest"),
)
case(
    "save a string",
    lambda w: m3h.save_cohort("cohort", w.tmp / "out"),
    E(T, "save_cohort: cohort must be a Cohort"),
)
case(
    "save a subset",
    lambda w: m3h.save_cohort(w.cohort, w.tmp / "out"),
    E(V, "save_cohort: cohort is a subset"),
)
case(
    "save folder=None",
    lambda w: m3h.save_cohort(w.tiny_images, None),
    E(T, "save_cohort: folder must be"),
)
case(
    "save onto a file",
    lambda w: (w.tmp / "file").write_text("x") and m3h.save_cohort(w.tiny_images, w.tmp / "file"),
    E(OSError, "file"),
)

# -- Cohort -------------------------------------------------------------------------------
case("subset []", lambda w: w.cohort.subset([]), E(V, "holds no patients"))
case("subset [1.5]", lambda w: w.cohort.subset([1.5]), E(T, "Row positions must be integers"))
case("subset [300]", lambda w: w.cohort.subset([300]), E(IndexError, "Row positions must lie in"))
case(
    "subset short mask", lambda w: w.cohort.subset([True] * 10), E(V, "Boolean mask has 10 entries")
)
case("subset 'abc'", lambda w: w.cohort.subset("abc"), E(T, "Row positions must be"))
case("subset None", lambda w: w.cohort.subset(None), E(T, "Row positions must be"))
case("subset scalar 5", lambda w: w.cohort.subset(5), E(T, "Row positions must be a 1-D"))
case("subset 2-D", lambda w: w.cohort.subset([[0, 1], [2, 3]]), E(T, "Row positions must be a 1-D"))
case(
    "subset np.int64 rows",
    lambda w: w.cohort.subset(np.array([3, 1], dtype=np.int64)),
    Returns(lambda c, w: list(c.patient_ids) == [w.ids[3], w.ids[1]]),
)
case("subset range", lambda w: w.cohort.subset(range(10)), Returns(lambda c, w: len(c) == 10))
case(
    "subset [-1]",
    lambda w: w.cohort.subset([-1]),
    Returns(lambda c, w: c.patient_ids[0] == w.ids[-1]),
)
case(
    "subset aligned mask Series",
    lambda w: w.cohort.subset(w.cohort.groups["sex"] == "F"),
    Returns(lambda c, w: (c.groups["sex"] == "F").all()),
)
case(
    "subset shuffled mask Series",
    lambda w: w.cohort.subset((w.cohort.groups["sex"] == "F").sample(frac=1, random_state=0)),
    Returns(
        lambda c, w: (
            (c.groups["sex"] == "F").all() and len(c) == int((w.cohort.groups["sex"] == "F").sum())
        )
    ),
)
case(
    "subset mask of other patients",
    lambda w: w.cohort.subset(w.other.groups["sex"] == "F"),
    E(V, "index"),
)
case("group_codes unknown", lambda w: w.cohort.group_codes("race"), E(K, "is not a group column"))
case("labels_for unknown", lambda w: w.cohort.labels_for("truth"), E(V, "against must be one of"))
case("tasks unknown", lambda w: w.cohort.tasks["sepsiss"], E(K, "Unknown task 'sepsiss'"))
case(
    "of_class unknown", lambda w: w.cohort.tasks.of_class("binaryy"), E(V, "Unknown problem class")
)

# -- splits -------------------------------------------------------------------------------
for option, value, error in [
    ("val_size", 0, V),
    ("val_size", 1, V),
    ("val_size", NAN, V),
    ("val_size", "0.2", T),
    ("test_size", -0.1, V),
    ("test_size", INF, V),
    ("seed", -1, V),
    ("seed", 1.5, V),
    ("seed", "0", T),
    ("seed", None, T),
]:
    case(
        f"split_patients {option}={value!r}",
        lambda w, o=option, v=value: m3h.split_patients(w.cohort, **{o: v}),
        E(error, f"{option} must"),
    )
case(
    "split_patients sizes sum to 1",
    lambda w: m3h.split_patients(w.cohort, val_size=0.5, test_size=0.5),
    E(V, "val_size + test_size"),
)
case(
    "split_patients stratify unknown",
    lambda w: m3h.split_patients(w.cohort, stratify="race"),
    E(K, "Cannot stratify by 'race'"),
)
case(
    "split_patients stratify continuous",
    lambda w: m3h.split_patients(w.cohort, stratify="length_of_stay"),
    E(V, "stratify must be"),
)
case(
    "split_patients stratify list",
    lambda w: m3h.split_patients(w.cohort, stratify=["sex"]),
    E(T, "stratify must be"),
)
case(
    "split_patients not a cohort",
    lambda w: m3h.split_patients(w.cohort.tabular),
    E(T, "split_patients: cohort must be a Cohort"),
)
case(
    "split_patients np.float32 sizes",
    lambda w: m3h.split_patients(w.cohort, val_size=np.float32(0.25), test_size=np.float64(0.25)),
    Returns(lambda s, w: s.sizes() == {"train": 150, "val": 75, "test": 75}),
)
case(
    "split_patients seed=np.int64",
    lambda w: m3h.split_patients(w.cohort, seed=np.int64(3)),
    Returns(lambda s, w: np.array_equal(s.test, m3h.split_patients(w.cohort, seed=3).test)),
)
case(
    "split_patients stratify sex",
    lambda w: m3h.split_patients(w.cohort, stratify="sex"),
    Returns(lambda s, w: sum(s.sizes().values()) == 300),
)
case(
    "split_by_site unknown",
    lambda w: m3h.split_by_site(w.cohort, test_sites="nowhere"),
    E(V, "Unknown site(s) ['nowhere']"),
)
case(
    "split_by_site []",
    lambda w: m3h.split_by_site(w.cohort, test_sites=[]),
    E(V, "test_sites is empty"),
)
case(
    "split_by_site all",
    lambda w: m3h.split_by_site(w.cohort, test_sites=["north", "harbor", "valley", "river"]),
    E(V, "Every site is a test site"),
)
case(
    "split_by_site 5",
    lambda w: m3h.split_by_site(w.cohort, test_sites=5),
    E(T, "test_sites must be a list of names"),
)
case(
    "split_by_site dict",
    lambda w: m3h.split_by_site(w.cohort, test_sites={"north": 1}),
    E(T, "test_sites must be a list of names"),
)
case(
    "split_by_site val_size=0",
    lambda w: m3h.split_by_site(w.cohort, test_sites="north", val_size=0),
    E(V, "val_size must"),
)
case(
    "split_by_site val_size str",
    lambda w: m3h.split_by_site(w.cohort, test_sites="north", val_size="0.2"),
    E(T, "val_size must"),
)
case(
    "split_by_site seed=-1",
    lambda w: m3h.split_by_site(w.cohort, test_sites="north", seed=-1),
    E(V, "split_by_site: seed must"),
)
case(
    "split_by_site absent site",
    lambda w: m3h.split_by_site(
        w.cohort.subset(w.cohort.groups["site"] == "north"), test_sites="harbor"
    ),
    E(V, "No patient of this cohort comes from"),
)
case(
    "split_by_site one name",
    lambda w: m3h.split_by_site(w.cohort, test_sites="north"),
    Returns(lambda s, w: set(w.cohort.groups["site"].iloc[s.test].astype(str)) == {"north"}),
)
case(
    "split_by_site numpy names",
    lambda w: m3h.split_by_site(w.cohort, test_sites=np.array(["north", "river"])),
    Returns(
        lambda s, w: set(w.cohort.groups["site"].iloc[s.test].astype(str)) == {"north", "river"}
    ),
)
case(
    "site_splits unknown",
    lambda w: m3h.site_splits(w.cohort, test_site="nowhere"),
    E(V, "Unknown site"),
)
case(
    "site_splits seed=-1",
    lambda w: m3h.site_splits(w.cohort, test_site="river", seed=-1),
    E(V, "seed must"),
)
case("site_splits test_site=5", lambda w: m3h.site_splits(w.cohort, test_site=5), E(T, "test_site"))
case(
    "site_splits seed=np.int64",
    lambda w: m3h.site_splits(w.cohort, test_site="river", seed=np.int64(1)),
    Returns(lambda parts, w: sum(len(p) for p in parts) == 300),
)

# -- evaluate / compute_metric / calibration / bootstrap ----------------------------------
case("evaluate {}", lambda w: ev(w, {}), E(T, "non-empty mapping"))
case("evaluate list", lambda w: ev(w, [w.p]), E(T, "non-empty mapping"))
case(
    "evaluate unknown task", lambda w: ev(w, {"sepsiss": w.p}), E(K, "Unknown task(s) ['sepsiss']")
)
case(
    "evaluate short",
    lambda w: ev(w, {"sepsis": w.p[:-1]}),
    E(V, "has 299 values but there are 300"),
)
case(
    "evaluate NaN",
    lambda w: ev(w, {"sepsis": np.where(np.arange(300) == 5, NAN, w.p)}),
    E(V, "NaN or infinite"),
)
case("evaluate p*2", lambda w: ev(w, {"sepsis": w.p * 2}), E(V, "probabilities in [0, 1]"))
case(
    "evaluate against",
    lambda w: ev(w, {"sepsis": w.p}, against="truth"),
    E(V, "against must be one of"),
)
case(
    "evaluate metric unknown",
    lambda w: ev(w, {"sepsis": w.p}, metrics=["auc"]),
    E(K, "Unknown metric(s) ['auc']"),
)
case(
    "evaluate metrics as one name",
    lambda w: ev(w, {"sepsis": w.p}, metrics="auroc"),
    Returns(lambda t, w: list(t["metric"]) == ["auroc"]),
)
case(
    "evaluate metric of no task",
    lambda w: ev(w, {"sepsis": w.p}, metrics=["mae"]),
    E(V, "is for regression tasks"),
)
case(
    "evaluate metrics=5",
    lambda w: ev(w, {"sepsis": w.p}, metrics=5),
    E(T, "metrics must be a list of names"),
)
for value, error in [(-1, V), (1.5, V), (NAN, V), ("10", T), (True, T)]:
    case(
        f"evaluate n_bootstrap={value!r}",
        lambda w, v=value: ev(w, {"sepsis": w.p}, n_bootstrap=v),
        E(error, "n_bootstrap must be"),
    )
case(
    "evaluate n_bootstrap=np.int64",
    lambda w: ev(w, {"sepsis": w.p}, n_bootstrap=np.int64(5), metrics=["auroc"]),
    Returns(lambda t, w: np.isfinite(t[["ci_low", "ci_high"]].to_numpy()).all()),
)
case("evaluate ci=1.5", lambda w: ev(w, {"sepsis": w.p}, ci=1.5), E(V, "ci must"))
case("evaluate ci=nan", lambda w: ev(w, {"sepsis": w.p}, ci=NAN, n_bootstrap=5), E(V, "ci must"))
case(
    "evaluate seed=-1",
    lambda w: ev(w, {"sepsis": w.p}, seed=-1, n_bootstrap=5),
    E(V, "evaluate: seed must"),
)
case(
    "evaluate shuffled Series",
    lambda w: ev_value(w, w.shuffled(w.p)),
    Returns(lambda v, w: close(v, ev_value(w, w.p))),
)
case(
    "evaluate Series of other patients",
    lambda w: ev_value(w, pd.Series(w.p, index=w.other.patient_ids)),
    E(V, "index is not this cohort's patient ids"),
)
case(
    "evaluate other cohort, Series",
    lambda w: m3h.evaluate(w.other, {"sepsis": pd.Series(w.p, index=w.ids)}),
    E(V, "index is not this cohort's patient ids"),
)
case(
    "evaluate plain Series",
    lambda w: ev_value(w, pd.Series(w.p)),
    Returns(lambda v, w: close(v, ev_value(w, w.p))),
)
case(
    "evaluate a list prediction",
    lambda w: ev_value(w, list(w.p)),
    Returns(lambda v, w: close(v, ev_value(w, w.p))),
)
case(
    "evaluate float32",
    lambda w: ev_value(w, w.p.astype(np.float32)),
    Returns(lambda v, w: close(v, ev_value(w, w.p), 1e-4)),
)
case(
    "evaluate (n, 2)",
    lambda w: ev(w, {"sepsis": np.c_[w.p, w.p]}),
    E(V, "one value per patient (1-D)"),
)
case("evaluate a string", lambda w: ev(w, {"sepsis": "high"}), E(V, "one value per patient (1-D)"))
case("evaluate a dict", lambda w: ev(w, {"sepsis": {"a": 1}}), E(V, "one value per patient (1-D)"))
case(
    "evaluate disposition shape",
    lambda w: ev(w, {"disposition": np.full((300, 2), 0.5)}),
    E(V, "class probabilities of shape (300, 4)"),
)
case(
    "evaluate disposition sums",
    lambda w: ev(w, {"disposition": np.full((300, 4), 0.5)}),
    E(V, "each row summing to 1"),
)
case(
    "evaluate features shape",
    lambda w: ev(w, {"phenotype": np.zeros(300, int)}, features=np.zeros((10, 2))),
    E(V, "features must have shape (300, d)"),
)
case(
    "evaluate silhouette without features",
    lambda w: ev(w, {"phenotype": np.zeros(300, int)}, metrics=["silhouette"]),
    E(V, "silhouette score needs"),
)
case(
    "evaluate fractional clusters",
    lambda w: ev(w, {"phenotype": np.full(300, 0.5)}),
    E(V, "integer cluster ids"),
)
case(
    "evaluate string clusters",
    lambda w: ev(w, {"phenotype": np.array(["a"] * 300)}),
    E(T, "must be numeric"),
)
case(
    "evaluate LOS inf",
    lambda w: ev(w, {"length_of_stay": np.full(300, INF)}),
    E(V, "NaN or infinite"),
)
case(
    "evaluate DataFrame cohort",
    lambda w: m3h.evaluate(w.cohort.tabular, {"sepsis": w.p}),
    E(T, "evaluate: cohort must be a Cohort"),
)
case(
    "compute_metric unknown",
    lambda w: m3h.compute_metric("auc", [0, 1], [0.2, 0.8]),
    E(K, "Unknown metric 'auc'"),
)
case(
    "compute_metric None",
    lambda w: m3h.compute_metric(None, [0, 1], [0.2, 0.8]),
    E(K, "Unknown metric None"),
)
case(
    "compute_metric labels 2",
    lambda w: m3h.compute_metric("auroc", [0, 2], [0.2, 0.8]),
    E(V, "must be 0/1"),
)
case(
    "compute_metric p 1.5",
    lambda w: m3h.compute_metric("auroc", [0, 1], [0.2, 1.5]),
    E(V, "probabilities in [0, 1]"),
)
case(
    "compute_metric empty",
    lambda w: m3h.compute_metric("auroc", [], []),
    E(UndefinedMetricError, "empty sample"),
)
case(
    "compute_metric lengths",
    lambda w: m3h.compute_metric("auroc", [0, 1, 1], [0.2, 0.8]),
    E(V, "has 2 values but there are 3"),
)
case(
    "compute_metric multiclass 1-D",
    lambda w: m3h.compute_metric("accuracy", [0, 1], [0.2, 0.8]),
    E(V, "(n, k)"),
)
case(
    "compute_metric string labels",
    lambda w: m3h.compute_metric("auroc", ["a", "b"], [0.2, 0.8]),
    E(T, "y_true must be numeric"),
)
case(
    "compute_metric one class",
    lambda w: m3h.compute_metric("auroc", [1, 1], [0.2, 0.8]),
    E(UndefinedMetricError, "single class"),
)
case(
    "compute_metric shuffled Series",
    lambda w: m3h.compute_metric("auroc", pd.Series(w.y, index=w.ids), w.shuffled(w.p)),
    Returns(lambda v, w: close(v, m3h.compute_metric("auroc", w.y, w.p))),
)
case(
    "compute_metric disjoint Series",
    lambda w: m3h.compute_metric(
        "auroc", pd.Series(w.y, index=w.ids), pd.Series(w.p, index=w.other.patient_ids)
    ),
    E(V, "index"),
)
case(
    "compute_metric float32",
    lambda w: m3h.compute_metric("brier", w.y, w.p.astype(np.float32)),
    Returns(lambda v, w: close(v, m3h.compute_metric("brier", w.y, w.p), 1e-5)),
)
for value, error in [(0, V), (NAN, V), (2.5, V), ("10", T), (True, T)]:
    case(
        f"ECE n_bins={value!r}",
        lambda w, v=value: m3h.expected_calibration_error(w.y, w.p, n_bins=v),
        E(error, "n_bins must be"),
    )
case(
    "ECE n_bins=np.int64",
    lambda w: m3h.expected_calibration_error(w.y, w.p, n_bins=np.int64(5)),
    Returns(lambda v, w: v == m3h.expected_calibration_error(w.y, w.p, n_bins=5)),
)
case(
    "reliability n_bins=0",
    lambda w: m3h.reliability_curve(w.y, w.p, n_bins=0),
    E(V, "n_bins must be"),
)
case(
    "reliability strategy",
    lambda w: m3h.reliability_curve(w.y, w.p, strategy="quantiles"),
    E(V, "strategy must be"),
)
case(
    "reliability strategy None",
    lambda w: m3h.reliability_curve(w.y, w.p, strategy=None),
    E(V, "strategy must be"),
)
case(
    "ECE labels 2",
    lambda w: m3h.expected_calibration_error([0, 2], [0.1, 0.2]),
    E(V, "must be 0/1"),
)
case(
    "ECE p -0.1",
    lambda w: m3h.expected_calibration_error([0, 1], [-0.1, 0.2]),
    E(V, "probabilities in [0, 1]"),
)
case("ECE empty", lambda w: m3h.expected_calibration_error([], []), E(V, "y_true is empty"))
case("reliability empty", lambda w: m3h.reliability_curve([], []), E(V, "y_true is empty"))
case(
    "ECE lengths",
    lambda w: m3h.expected_calibration_error([0, 1, 1], [0.1, 0.2]),
    E(V, "has 2 values but there are 3"),
)
case("ECE NaN", lambda w: m3h.expected_calibration_error([0, 1], [NAN, 0.2]), E(V, "NaN"))
case(
    "ECE string labels",
    lambda w: m3h.expected_calibration_error(["0", "1"], [0.1, 0.2]),
    E(T, "y_true must be numeric"),
)
case(
    "ECE bool labels",
    lambda w: m3h.expected_calibration_error(w.y.astype(bool), w.p),
    Returns(lambda v, w: close(v, m3h.expected_calibration_error(w.y, w.p))),
)
case(
    "ECE shuffled Series",
    lambda w: m3h.expected_calibration_error(pd.Series(w.y, index=w.ids), w.shuffled(w.p)),
    Returns(lambda v, w: close(v, m3h.expected_calibration_error(w.y, w.p))),
)
case(
    "reliability shuffled Series",
    lambda w: m3h.reliability_curve(w.shuffled(w.y, 4), pd.Series(w.p, index=w.ids)),
    Returns(lambda t, w: pairs_equal(t, m3h.reliability_curve(w.y, w.p))),
)
case(
    "ECE disjoint Series",
    lambda w: m3h.expected_calibration_error(
        pd.Series(w.y, index=w.ids), pd.Series(w.p, index=w.other.patient_ids)
    ),
    E(V, "index"),
)


def _auroc(y, p):
    return m3h.compute_metric("auroc", y, p)


case(
    "bootstrap_ci n=0",
    lambda w: m3h.bootstrap_ci(_auroc, w.y, w.p, n_bootstrap=0),
    E(V, "n_bootstrap must be"),
)
case(
    "bootstrap_ci n=1.5",
    lambda w: m3h.bootstrap_ci(_auroc, w.y, w.p, n_bootstrap=1.5),
    E(V, "bootstrap_ci: n_bootstrap must be"),
)
case("bootstrap_ci ci=1.5", lambda w: m3h.bootstrap_ci(_auroc, w.y, w.p, ci=1.5), E(V, "ci must"))
case(
    "bootstrap_ci ci str",
    lambda w: m3h.bootstrap_ci(_auroc, w.y, w.p, ci="0.9"),
    E(T, "bootstrap_ci: ci must"),
)
case(
    "bootstrap_ci seed=-1",
    lambda w: m3h.bootstrap_ci(_auroc, w.y, w.p, seed=-1),
    E(V, "bootstrap_ci: seed must"),
)
case(
    "bootstrap_ci no arrays",
    lambda w: m3h.bootstrap_ci(_auroc),
    E(V, "bootstrap_ci: give at least one array"),
)
case("bootstrap_ci lengths", lambda w: m3h.bootstrap_ci(_auroc, w.y, w.p[:-1]), E(V, "same length"))
case(
    "bootstrap_ci not callable",
    lambda w: m3h.bootstrap_ci("auroc", w.y, w.p),
    E(T, "bootstrap_ci: function must be callable"),
)
case(
    "bootstrap_ci np.int64",
    lambda w: m3h.bootstrap_ci(_auroc, w.y, w.p, n_bootstrap=np.int64(20), seed=np.int64(1)),
    Returns(lambda r, w: r[2] == 20 and r[0] <= r[1]),
)

# -- audits -------------------------------------------------------------------------------


def sm(w, **options):
    y, p, g = w.toy
    arrays = {"y_true": y, "prob": p, "groups": g}
    arrays.update({k: options.pop(k) for k in list(options) if k in arrays})
    return m3h.subgroup_metrics(arrays["y_true"], arrays["prob"], arrays["groups"], **options)


def _fnr(w, threshold):
    y, p, g = w.toy
    inside = (g == "a") & (y == 1)
    return float(np.mean(p[inside] < threshold))


for option, value, error in [
    ("threshold", 0, V),
    ("threshold", 1, V),
    ("threshold", NAN, V),
    ("threshold", "0.5", T),
    ("threshold", True, T),
    ("kind", "diag", V),
    ("n_bins", 0, V),
    ("allow_undefined", "yes", V),
]:
    case(
        f"subgroup_metrics {option}={value!r}",
        lambda w, o=option, v=value: sm(w, **{o: v}),
        E(error, f"{option} must be"),
    )
case(
    "subgroup_metrics threshold=np.float32",
    lambda w: sm(w, threshold=np.float32(0.3)),
    Returns(lambda t, w: close(t.loc["a", "fnr"], _fnr(w, np.float32(0.3)))),
)
case(
    "subgroup_metrics allow_undefined=np.bool_",
    lambda w: sm(w, allow_undefined=np.bool_(True)),
    Returns(lambda t, w: "overall" in t.index),
)
case(
    "subgroup_metrics label 2",
    lambda w: sm(w, y_true=np.r_[2, w.toy[0][1:]]),
    E(V, "Labels must be 0/1"),
)
case(
    "subgroup_metrics label 0.5",
    lambda w: sm(w, y_true=np.r_[0.5, w.toy[0][1:]]),
    E(V, "Labels must be 0/1"),
)
case(
    "subgroup_metrics labels yes/no",
    lambda w: sm(w, y_true=np.where(w.toy[0] == 1, "yes", "no")),
    E(V, "Labels must be 0/1"),
)
case(
    "subgroup_metrics p 1.5",
    lambda w: sm(w, prob=np.r_[1.5, w.toy[1][1:]]),
    E(V, "probabilities in [0, 1]"),
)
case(
    "subgroup_metrics p inf",
    lambda w: sm(w, prob=np.r_[INF, w.toy[1][1:]]),
    E(V, "probabilities in [0, 1]"),
)
case("subgroup_metrics p NaN", lambda w: sm(w, prob=np.r_[NAN, w.toy[1][1:]]), E(V, "NaN"))
case("subgroup_metrics lengths", lambda w: sm(w, y_true=w.toy[0][:-1]), E(V, "Length mismatch"))
case(
    "subgroup_metrics one group", lambda w: sm(w, groups=np.full(200, "a")), E(V, "Only one group")
)
case(
    "subgroup_metrics missing group",
    lambda w: sm(w, groups=np.r_[[None], w.toy[2][1:]]),
    E(V, "missing entries"),
)
case("subgroup_metrics empty", lambda w: m3h.subgroup_metrics([], [], []), E(V, "no patients"))
case(
    "subgroup_metrics group without positives",
    lambda w: sm(w, y_true=np.where(w.toy[2] == "b", 0, w.toy[0])),
    E(V, "has no positive patients"),
)
case(
    "subgroup_metrics p dict",
    lambda w: sm(w, prob={"a": 1}),
    E(T, "subgroup_metrics: prob must be"),
)
case(
    "subgroup_metrics bool labels",
    lambda w: sm(w, y_true=w.toy[0].astype(bool)),
    Returns(lambda t, w: t.equals(sm(w))),
)
case(
    "subgroup_metrics Categorical groups",
    lambda w: sm(w, groups=pd.Categorical(w.toy[2])),
    Returns(lambda t, w: t.equals(sm(w))),
)
case(
    "subgroup_metrics shuffled Series",
    lambda w: m3h.subgroup_metrics(*w.toy_series()),
    Returns(lambda t, w: pairs_equal(t, sm(w))),
)
case(
    "subgroup_metrics disjoint Series",
    lambda w: m3h.subgroup_metrics(w.toy_series()[0], pd.Series(w.toy[1]), w.toy[2]),
    E(V, "index"),
)

for rule, error, text in [
    ("f2", V, "rule must be"),
    ("0.3", V, "rule must be"),
    (0, V, "strictly between 0 and 1"),
    (1.5, V, "strictly between 0 and 1"),
    (NAN, V, "strictly between 0 and 1"),
    (None, T, "rule must be"),
    ([0.5], T, "rule must be"),
    (True, (T, V), "rule must be"),
]:
    case(
        f"choose_threshold rule={rule!r}",
        lambda w, r=rule: m3h.choose_threshold(w.y, w.p, rule=r),
        E(error, text),
    )
case(
    "choose_threshold rule=np.float32",
    lambda w: m3h.choose_threshold(w.y, w.p, rule=np.float32(0.3)),
    Returns(lambda t, w: type(t) is float and close(t, 0.3, 1e-6)),
)
case(
    "choose_threshold labels 2",
    lambda w: m3h.choose_threshold(np.r_[2, w.y[1:]], w.p),
    E(V, "Labels must be 0/1"),
)
case(
    "choose_threshold labels 0.5",
    lambda w: m3h.choose_threshold(np.r_[0.5, w.y[1:]], w.p),
    E(V, "Labels must be 0/1"),
)
case(
    "choose_threshold p 3",
    lambda w: m3h.choose_threshold(w.y, w.p * 3),
    E(V, "probabilities in [0, 1]"),
)
case(
    "choose_threshold p NaN",
    lambda w: m3h.choose_threshold(w.y, np.r_[NAN, w.p[1:]]),
    E(V, "Scores contain NaN"),
)
case(
    "choose_threshold lengths",
    lambda w: m3h.choose_threshold(w.y, w.p[:-1]),
    E(V, "Length mismatch"),
)
case(
    "choose_threshold one class",
    lambda w: m3h.choose_threshold(np.zeros(10), np.full(10, 0.5)),
    E(V, "needs positive and negative"),
)
case(
    "choose_threshold empty",
    lambda w: m3h.choose_threshold([], []),
    E(V, "needs positive and negative"),
)
case(
    "choose_threshold shuffled Series",
    lambda w: m3h.choose_threshold(pd.Series(w.y, index=w.ids), w.shuffled(w.p)),
    Returns(lambda t, w: t == m3h.choose_threshold(w.y, w.p)),
)


def _scores(w, task="pneumonia"):
    return w.cohort.truth.probabilities[task].to_numpy()


case(
    "task_threshold unknown task",
    lambda w: m3h.task_threshold(w.cohort, _scores(w), task="sepsiss"),
    E(K, "Unknown binary task 'sepsiss'"),
)
case(
    "task_threshold rule",
    lambda w: m3h.task_threshold(w.cohort, _scores(w), task="pneumonia", rule="f2"),
    E(V, "rule must be"),
)
case(
    "task_threshold no_finding array",
    lambda w: m3h.task_threshold(w.cohort, _scores(w), task="no_finding"),
    E(V, "needs per-task probabilities"),
)
case(
    "task_threshold tasks as one name",
    lambda w: m3h.task_threshold(
        w.cohort, {"pneumonia": _scores(w)}, task="no_finding", tasks="pneumonia"
    ),
    Returns(
        lambda t, w: (
            t
            == m3h.task_threshold(
                w.cohort, {"pneumonia": _scores(w)}, task="no_finding", tasks=["pneumonia"]
            )
        )
    ),
)
case(
    "task_scores unknown task",
    lambda w: m3h.task_scores(w.cohort, _scores(w), task="sepsiss"),
    E(K, "Unknown binary task"),
)
case(
    "task_scores regression task",
    lambda w: m3h.task_scores(w.cohort, _scores(w), task="length_of_stay"),
    E(K, "Unknown binary task"),
)
case(
    "task_scores task=None",
    lambda w: m3h.task_scores(w.cohort, _scores(w), task=None),
    E(K, "Unknown binary task"),
)
case(
    "task_scores against",
    lambda w: m3h.task_scores(w.cohort, _scores(w), task="pneumonia", against="truth"),
    E(V, "against must be"),
)
case(
    "task_scores missing task",
    lambda w: m3h.task_scores(w.cohort, {"sepsis": _scores(w)}, task="pneumonia"),
    E(K, "No scores for task 'pneumonia'"),
)
case(
    "task_scores lengths",
    lambda w: m3h.task_scores(w.cohort, _scores(w)[:-1], task="pneumonia"),
    E(V, "Length mismatch"),
)
case(
    "task_scores a string",
    lambda w: m3h.task_scores(w.cohort, "high", task="pneumonia"),
    E(T, "task_scores: scores must be"),
)
case(
    "task_scores no_finding unknown",
    lambda w: m3h.task_scores(
        w.cohort, {"sepsis": _scores(w)}, task="no_finding", tasks=["sepsiss"]
    ),
    E(K, "missing or not binary"),
)
case(
    "task_scores shuffled Series",
    lambda w: m3h.task_scores(w.cohort, w.shuffled(_scores(w)), task="pneumonia")[1],
    Returns(lambda p, w: np.array_equal(p, _scores(w))),
)
case(
    "task_scores shuffled DataFrame",
    lambda w: m3h.task_scores(
        w.cohort, pd.DataFrame({"pneumonia": w.shuffled(_scores(w))}), task="pneumonia"
    )[1],
    Returns(lambda p, w: np.array_equal(p, _scores(w))),
)
case(
    "task_scores dict of shuffled Series",
    lambda w: m3h.task_scores(
        w.cohort,
        {"pneumonia": w.shuffled(_scores(w)), "sepsis": w.shuffled(w.p, 2)},
        task="no_finding",
    )[1],
    Returns(lambda p, w: np.allclose(p, (1 - _scores(w)) * (1 - w.p))),
)
case(
    "task_scores Series of other patients",
    lambda w: m3h.task_scores(
        w.cohort, pd.Series(_scores(w), index=w.other.patient_ids), task="pneumonia"
    ),
    E(V, "index"),
)
case(
    "attribute_groups unknown",
    lambda w: m3h.attribute_groups(w.cohort, "race"),
    E(K, "Unknown attribute 'race'"),
)
case(
    "attribute_groups []",
    lambda w: m3h.attribute_groups(w.cohort, []),
    E(V, "at least one attribute"),
)
case(
    "attribute_groups value",
    lambda w: m3h.attribute_groups(w.cohort, "sex", value="Martian"),
    E(V, "No patient has sex == 'Martian'"),
)
case(
    "attribute_groups value=5",
    lambda w: m3h.attribute_groups(w.cohort, "sex", value=5),
    E(V, "No patient has sex == 5"),
)
case(
    "attribute_groups value with two",
    lambda w: m3h.attribute_groups(w.cohort, ["sex", "site"], value="F"),
    E(V, "single attribute"),
)
case("attribute_groups 5", lambda w: m3h.attribute_groups(w.cohort, 5), E(T, "attribute must be"))
case(
    "attribute_groups dict",
    lambda w: m3h.attribute_groups(w.cohort, {"sex": 1}),
    E(T, "attribute must be"),
)
case(
    "attribute_groups tuple",
    lambda w: m3h.attribute_groups(w.cohort, ("sex", "site")),
    Returns(lambda g, w: g.name == "sex x site" and g.index.equals(w.ids)),
)
case(
    "audit unknown task", lambda w: w.audit(task="sepsiss", scores=w.p), E(K, "Unknown binary task")
)
case(
    "audit unknown attribute", lambda w: w.audit(attribute="race"), E(K, "Unknown attribute 'race'")
)
for option, value, error in [
    ("threshold", 0, V),
    ("threshold", NAN, V),
    ("n_bootstrap", -1, V),
    ("n_bootstrap", 2.5, V),
    ("n_bootstrap", "5", T),
    ("n_bootstrap", True, T),
    ("seed", -1, V),
    ("allow_undefined", "no", V),
]:
    case(
        f"audit {option}={value!r}",
        lambda w, o=option, v=value: w.audit(**{o: v}),
        E(error, f"{option} must be"),
    )
case("audit against", lambda w: w.audit(against="truth"), E(V, "against must be"))
case("audit value", lambda w: w.audit(value="Martian"), E(V, "No patient has sex == 'Martian'"))
case(
    "audit shuffled Series",
    lambda w: m3h.audit_subgroups(
        w.cohort, w.shuffled(_scores(w)), task="pneumonia", attribute="sex"
    ).gap("fnr"),
    Returns(lambda v, w: close(v, w.audit().gap("fnr"))),
)
case(
    "audit scores of other patients",
    lambda w: m3h.audit_subgroups(
        w.other, pd.Series(_scores(w), index=w.ids), task="pneumonia", attribute="sex"
    ),
    E(V, "index"),
)
case(
    "audit other cohort size",
    lambda w: m3h.audit_subgroups(w.small, _scores(w), task="pneumonia", attribute="sex"),
    E(V, "Length mismatch"),
)
case("audit NaN scores", lambda w: w.audit(scores=np.r_[NAN, _scores(w)[1:]]), E(V, "NaN"))
case(
    "audit threshold=np.float32",
    lambda w: w.audit(threshold=np.float32(0.3)),
    Returns(lambda a, w: type(a.threshold) is float),
)
case(
    "audit n_bootstrap=np.int64",
    lambda w: w.audit(n_bootstrap=np.int64(3)),
    Returns(lambda a, w: "fnr_low" in a.table and a.n_bootstrap == 3),
)
case(
    "audit no_finding tasks as one name",
    lambda w: w.audit(
        task="no_finding", scores={"pneumonia": _scores(w)}, tasks="pneumonia", allow_undefined=True
    ),
    Returns(lambda a, w: a.task == "no_finding"),
)
case("Audit.gap unknown", lambda w: w.audit().gap("auc"), E(K, "Unknown metric 'auc'"))
case(
    "Audit.worst_group unknown",
    lambda w: w.audit().worst_group("auc"),
    E(K, "Unknown metric 'auc'"),
)
case(
    "fairness_gaps unknown metric",
    lambda w: m3h.fairness_gaps(sm(w), metrics=["auc"]),
    E(K, "fairness_gaps: unknown metric"),
)
case(
    "fairness_gaps one name",
    lambda w: m3h.fairness_gaps(sm(w), metrics="auroc"),
    Returns(lambda t, w: list(t.index) == ["auroc"]),
)
case(
    "fairness_gaps dict",
    lambda w: m3h.fairness_gaps({"a": 1}),
    E(T, "fairness_gaps: table must be a DataFrame"),
)
case(
    "compare_labels unknown metric",
    lambda w: m3h.compare_labels(
        w.cohort, _scores(w), task="pneumonia", attribute="sex", metric="auc"
    ),
    E(V, "compare_labels: metric must be"),
)
case(
    "compare_labels against twice",
    lambda w: m3h.compare_labels(
        w.cohort, _scores(w), task="pneumonia", attribute="sex", against="true"
    ),
    E(T, "against"),
)

# -- probes -------------------------------------------------------------------------------


def probe(w, **options):
    rng = np.random.default_rng(0)
    g = np.repeat(["a", "b"], 60)
    x = rng.normal(size=(120, 3)) + (g == "b")[:, None]
    arrays = {"features": x, "groups": g}
    arrays.update({k: options.pop(k) for k in list(options) if k in arrays})
    return m3h.probe_attribute(arrays["features"], arrays["groups"], **options)


def _probe_frames(w):
    rng = np.random.default_rng(0)
    g = np.repeat(["a", "b"], 60)
    x = rng.normal(size=(120, 3)) + (g == "b")[:, None]
    index = pd.Index([f"Q{i:03d}" for i in range(120)])
    return pd.DataFrame(x, index=index), pd.Series(g, index=index)


case("probe 1-D", lambda w: probe(w, features=np.zeros(120)), E(V, "2-D"))
case("probe lengths", lambda w: probe(w, groups=np.repeat(["a", "b"], 50)), E(V, "Length mismatch"))
case("probe NaN", lambda w: probe(w, features=np.full((120, 3), NAN)), E(V, "NaN"))
case("probe one group", lambda w: probe(w, groups=np.full(120, "a")), E(V, "Only one group"))
case(
    "probe tiny group",
    lambda w: probe(w, groups=np.r_[["a"] * 118, ["b"] * 2]),
    E(V, "has only 2 patients"),
)
for option, value, error in [
    ("test_size", 0, V),
    ("test_size", 1.5, V),
    ("test_size", NAN, V),
    ("test_size", 0.005, V),
    ("C", 0, V),
    ("C", "1", T),
    ("seed", -1, V),
]:
    case(
        f"probe {option}={value!r}",
        lambda w, o=option, v=value: probe(w, **{o: v}),
        E(error, f"probe_attribute: {option} must be"),
    )
case(
    "probe features dict",
    lambda w: probe(w, features={"a": 1}),
    E(T, "probe_attribute: features must be"),
)
case(
    "probe missing group",
    lambda w: probe(w, groups=np.r_[[None], np.repeat(["a", "b"], 60)[1:]]),
    E(V, "missing"),
)
case(
    "probe shuffled frames",
    lambda w: (
        m3h.probe_attribute(
            _probe_frames(w)[0], _probe_frames(w)[1].sample(frac=1, random_state=0)
        ).auroc
    ),
    Returns(lambda v, w: close(v, probe(w).auroc)),
)
case(
    "probe disjoint frames",
    lambda w: m3h.probe_attribute(
        _probe_frames(w)[0], pd.Series(np.repeat(["a", "b"], 60), index=range(120))
    ),
    E(V, "index"),
)
case(
    "probe numpy scalars",
    lambda w: probe(
        w,
        features=_probe_frames(w)[0].to_numpy(np.float32),
        test_size=np.float64(0.3),
        seed=np.int64(1),
        C=np.float32(1),
    ),
    Returns(lambda r, w: 0 <= r.auroc <= 1 and r.n_test == 36),
)
case(
    "demographic_encoding no embed",
    lambda w: m3h.demographic_encoding(object(), w.cohort, attribute="sex"),
    E(T, "has no embed"),
)
case(
    "demographic_encoding attribute",
    lambda w: m3h.demographic_encoding(w.net, w.cohort, attribute="race"),
    E(K, "Unknown attribute 'race'"),
)

# -- classical baselines, features, fusion --------------------------------------------------
B = m3h.SingleTaskBaselines
for option, value, error in [
    ("model", "forest", V),
    ("C", 0, V),
    ("C", NAN, V),
    ("C", -1, V),
    ("C", "1", T),
    ("C", True, T),
    ("labels", "truth", V),
    ("seed", -1, V),
    ("seed", 1.5, V),
]:
    case(
        f"SingleTaskBaselines {option}={value!r}",
        lambda w, o=option, v=value: B(**{o: v}),
        E(error, f"{option} must be"),
    )
case("SingleTaskBaselines tasks=[]", lambda w: B(tasks=[]), E(V, "tasks is empty"))
case("SingleTaskBaselines tasks=5", lambda w: B(tasks=5), E(T, "tasks must be a list of names"))
case("SingleTaskBaselines modalities=[]", lambda w: B(modalities=[]), E(V, "modalities is empty"))
case(
    "SingleTaskBaselines unknown task",
    lambda w: B(tasks=["sepsiss"], modalities="tabular").fit(w.cohort),
    E(K, "Unknown task(s) ['sepsiss']"),
)
case(
    "SingleTaskBaselines unknown modality",
    lambda w: B(tasks="sepsis", modalities=["text"]).fit(w.cohort),
    E(V, "Unknown modality 'text'"),
)
case(
    "SingleTaskBaselines repeated modality",
    lambda w: B(tasks="sepsis", modalities=["tabular", "tabular"]).fit(w.cohort),
    E(V, "Modalities repeat"),
)
case(
    "SingleTaskBaselines names as strings, numpy scalars",
    lambda w: (
        B(tasks="sepsis", modalities="tabular", C=np.float32(0.1), seed=np.int64(1))
        .fit(w.cohort)
        .predict(w.other)
    ),
    Returns(lambda p, w: list(p) == ["sepsis"] and p["sepsis"].shape == (300,)),
)
case("SingleTaskBaselines fit a string", lambda w: B().fit("cohort"), E(T, "Fit on a Cohort"))
case(
    "SingleTaskBaselines predict unfitted",
    lambda w: B().predict(w.cohort),
    E(NotFittedError, "Call fit"),
)
case(
    "SingleTaskBaselines transform unfitted",
    lambda w: B().transform(w.cohort),
    E(NotFittedError, "Call fit"),
)
case(
    "SingleTaskBaselines predict a DataFrame",
    lambda w: w.baselines.predict(w.cohort.tabular),
    E(T, "Expected a Cohort"),
)
case(
    "SingleTaskBaselines feature_options unused",
    lambda w: B(tasks="sepsis", modalities="tabular", feature_options={"audio": {}}).fit(w.cohort),
    E(V, "Options given for modalities not used"),
)
case(
    "SingleTaskBaselines feature_options str",
    lambda w: B(feature_options="x"),
    E(T, "feature_options must be"),
)
case(
    "SingleTaskBaselines single class",
    lambda w: B(tasks="diabetic_ketoacidosis", modalities="tabular").fit(
        w.cohort.subset(range(40))
    ),
    E(V, "single class in the training labels"),
)
case(
    "fit_single_task_baselines model",
    lambda w: m3h.fit_single_task_baselines(w.cohort, model="forest"),
    E(V, "model must be one of"),
)
case(
    "fit_single_task_baselines unknown option",
    lambda w: m3h.fit_single_task_baselines(w.cohort, colour="red"),
    E(T, "colour"),
)

case(
    "TabularFeatures categorical one name",
    lambda w: m3h.TabularFeatures(categorical="sex").fit(w.cohort).categorical_columns_,
    Returns(lambda c, w: c == ["sex"]),
)
case(
    "TabularFeatures categorical unknown",
    lambda w: m3h.TabularFeatures(categorical=["race"]).fit(w.cohort),
    E(K, "not in the tabular data"),
)
case(
    "TabularFeatures log_skew=nan",
    lambda w: m3h.TabularFeatures(log_skew=NAN).fit(w.cohort),
    E(V, "TabularFeatures: log_skew must be"),
)
case(
    "TabularFeatures ndarray",
    lambda w: m3h.TabularFeatures().fit(np.zeros((5, 5))),
    E(T, "must be a pandas DataFrame"),
)
case(
    "TabularFeatures transform unfitted",
    lambda w: m3h.TabularFeatures().transform(w.cohort),
    E(NotFittedError, "not fitted"),
)
case(
    "ImageFeatures downsample=0",
    lambda w: m3h.ImageFeatures(downsample=0).fit(w.cohort),
    E(V, "ImageFeatures: downsample must be"),
)
case(
    "ImageFeatures downsample=3",
    lambda w: m3h.ImageFeatures(downsample=3).fit(w.cohort),
    E(V, "not divisible"),
)
case(
    "ImageFeatures n_components=0",
    lambda w: m3h.ImageFeatures(n_components=0).fit(w.cohort),
    E(V, "ImageFeatures: n_components must be"),
)
case(
    "ImageFeatures 2-D",
    lambda w: m3h.ImageFeatures().fit(np.zeros((10, 32))),
    E(V, "(patients, h, w)"),
)
case(
    "ImageFeatures numpy scalars",
    lambda w: (
        m3h.ImageFeatures(downsample=np.int64(2), n_components=np.int64(8))
        .fit(w.cohort)
        .transform(w.other)
    ),
    Returns(lambda x, w: x.shape == (300, 8)),
)
case(
    "NoteFeatures min_df=0",
    lambda w: m3h.NoteFeatures(min_df=0).fit(w.cohort),
    E(V, "NoteFeatures: min_df must be"),
)
case(
    "NoteFeatures negation='no'",
    lambda w: m3h.NoteFeatures(negation="no").fit(w.cohort),
    E(V, "NoteFeatures: negation must be"),
)
case(
    "NoteFeatures n_components=0",
    lambda w: m3h.NoteFeatures(n_components=0).fit(w.cohort),
    E(V, "NoteFeatures: n_components must be"),
)
case(
    "NoteFeatures ngram_range",
    lambda w: m3h.NoteFeatures(ngram_range=(2, 1)).fit(w.cohort),
    E(V, "ngram_range"),
)
case("NoteFeatures one string", lambda w: m3h.NoteFeatures().fit("a note"), E(T, "not one string"))
case(
    "NoteFeatures a missing note",
    lambda w: m3h.NoteFeatures().fit(["a note", None]),
    E(T, "Every note must be a string"),
)
case(
    "TimeSeriesFeatures channels",
    lambda w: m3h.TimeSeriesFeatures(channels=["a"]).fit(w.cohort),
    E(V, "channel names for 6 channels"),
)
case(
    "TimeSeriesFeatures NaN",
    lambda w: m3h.TimeSeriesFeatures().fit(np.full((4, 6, 2), NAN)),
    E(V, "NaN or infinite"),
)
case(
    "ModalityFeatures unknown",
    lambda w: m3h.ModalityFeatures(modalities=["text"]).fit(w.cohort),
    E(V, "Unknown modality 'text'"),
)
case(
    "ModalityFeatures DataFrame",
    lambda w: m3h.ModalityFeatures().fit(w.cohort.tabular),
    E(T, "needs a Cohort"),
)
case(
    "mark_negations 5",
    lambda w: m3h.mark_negations(5),
    E(T, "mark_negations: text must be a string"),
)

case(
    "fit_fusion n_folds=1",
    lambda w: m3h.fit_fusion(w.cohort, w.other, n_folds=1),
    E(V, "n_folds must be"),
)
case(
    "fit_fusion n_folds=2.5",
    lambda w: m3h.fit_fusion(w.cohort, w.other, n_folds=2.5),
    E(V, "n_folds must be"),
)
case("fit_fusion C=0", lambda w: m3h.fit_fusion(w.cohort, w.other, C=0), E(V, "C must be"))
case(
    "fit_fusion labels",
    lambda w: m3h.fit_fusion(w.cohort, w.other, labels="truth"),
    E(V, "labels must be"),
)
case(
    "fit_fusion train str",
    lambda w: m3h.fit_fusion("train", w.other),
    E(T, "train must be a Cohort"),
)
case(
    "fit_fusion evaluation str",
    lambda w: m3h.fit_fusion(w.cohort, "test"),
    E(T, "evaluation must be a Cohort"),
)
case(
    "fit_fusion clustering",
    lambda w: m3h.fit_fusion(w.cohort, w.other, tasks=["phenotype"]),
    E(V, "clustering tasks"),
)
case(
    "fit_fusion unknown modality",
    lambda w: m3h.fit_fusion(w.cohort, w.other, tasks="sepsis", modalities=["text"]),
    E(V, "Unknown modality 'text'"),
)
case(
    "fit_fusion n_folds > patients",
    lambda w: m3h.fit_fusion(w.cohort, w.other, tasks="sepsis", modalities="tabular", n_folds=400),
    E(V, "n_folds must be"),
)
case(
    "fit_fusion n_folds=50",
    lambda w: m3h.fit_fusion(
        w.cohort, w.other, tasks="sepsis", modalities="tabular", n_folds=50
    ).predict()["sepsis"],
    Returns(lambda p, w: p.shape == (300,) and np.isfinite(p).all()),
)
case(
    "fit_fusion one task name, np.int64 folds",
    lambda w: m3h.fit_fusion(
        w.cohort, w.other, tasks="sepsis", modalities=["tabular", "notes"], n_folds=np.int64(2)
    ).predict(how="late"),
    Returns(lambda p, w: list(p) == ["sepsis"] and p["sepsis"].shape == (300,)),
)
case(
    "FusionModels.predict unknown",
    lambda w: w.fusion.predict(["text"]),
    E(V, "non-empty subset of the fitted modalities"),
)
case("FusionModels.predict []", lambda w: w.fusion.predict([]), E(V, "non-empty subset"))
case(
    "FusionModels.predict how",
    lambda w: w.fusion.predict(how="mean"),
    E(V, "Unknown fusion 'mean'"),
)
case(
    "FusionModels.predict one name",
    lambda w: w.fusion.predict("tabular"),
    Returns(lambda p, w: np.array_equal(p["sepsis"], w.fusion.predict(["tabular"])["sepsis"])),
)
case(
    "FusionModels.predict late",
    lambda w: w.fusion.predict(how="late")["sepsis"],
    Returns(
        lambda p, w: np.allclose(
            p,
            (w.fusion.predict("tabular")["sepsis"] + w.fusion.predict("timeseries")["sepsis"]) / 2,
        )
    ),
)
case(
    "FusionModels.stacking_weights",
    lambda w: w.fusion.stacking_weights("auc"),
    E(V, "needs a fitted binary task"),
)
case(
    "FusionModels.check_evaluation",
    lambda w: w.fusion.check_evaluation(w.cohort),
    E(V, "These fusion models predict"),
)
case(
    "compare_fusion other cohort",
    lambda w: m3h.compare_fusion(w.cohort, w.fusion),
    E(V, "These fusion models predict"),
)
case(
    "compare_fusion metric",
    lambda w: m3h.compare_fusion(w.other, w.fusion, metric="auc"),
    E(K, "Unknown metric 'auc'"),
)
case(
    "compare_fusion no such task",
    lambda w: m3h.compare_fusion(w.other, w.fusion, metric="mae"),
    E(V, "No regression task"),
)
case(
    "compare_fusion against",
    lambda w: m3h.compare_fusion(w.other, w.fusion, against="truth"),
    E(V, "against must be"),
)
case(
    "compare_fusion not a fusion",
    lambda w: m3h.compare_fusion(w.other, "fusion"),
    E(T, "compare_fusion: fusion must be"),
)
case(
    "subset_scores metric",
    lambda w: m3h.subset_scores(w.other, w.fusion, metric="auc"),
    E(K, "Unknown metric 'auc'"),
)
case(
    "subset_scores how",
    lambda w: m3h.subset_scores(w.other, w.fusion, how="mean"),
    E(V, "Unknown fusion 'mean'"),
)
case(
    "subset_scores not a fusion",
    lambda w: m3h.subset_scores(w.other, None),
    E(T, "subset_scores: fusion must be"),
)
case(
    "modality_shapley other cohort",
    lambda w: m3h.modality_shapley(w.cohort, w.fusion),
    E(V, "These fusion models predict"),
)
case(
    "shapley_values missing rows",
    lambda w: m3h.shapley_values(pd.DataFrame({"t": [0.5]}, index=["none"]), modalities=("a", "b")),
    E(V, "Coalition values missing"),
)
case(
    "shapley_values one name",
    lambda w: m3h.shapley_values(
        pd.DataFrame({"t": [0.5, 0.8]}, index=["none", "tabular"]), modalities="tabular"
    ),
    Returns(lambda t, w: close(t.loc["t", "tabular"], 0.3)),
)
case(
    "shapley_values dict",
    lambda w: m3h.shapley_values({"none": 0.5}, modalities=("a",)),
    E(T, "shapley_values: scores must be a DataFrame"),
)

# -- SmallNet and mitigations ---------------------------------------------------------------
for option, value, error in [
    ("hidden", 0, V),
    ("epochs", NAN, V),
    ("epochs", True, T),
    ("batch_size", "32", T),
    ("lr", 0, V),
    ("weight_decay", -1, V),
    ("seed", -1, V),
    ("per_image", "yes", V),
]:
    case(
        f"SmallNet {option}={value!r}",
        lambda w, o=option, v=value: m3h.SmallNet(**{o: v}),
        E(error, f"{option} must be"),
    )
case("SmallNet tasks=[]", lambda w: m3h.SmallNet(tasks=[]), E(V, "tasks is empty"))
case("SmallNet tasks=5", lambda w: m3h.SmallNet(tasks=5), E(T, "tasks must be a list of names"))
case(
    "SmallNet modalities notes",
    lambda w: m3h.SmallNet(modalities=["notes"]),
    E(V, "unknown modalities ['notes']"),
)
case(
    "SmallNet unknown task",
    lambda w: m3h.SmallNet(tasks=["sepsiss"]).fit(w.cohort),
    E(K, "Unknown binary task(s) ['sepsiss']"),
)
case(
    "SmallNet mitigation str",
    lambda w: m3h.SmallNet(mitigation="groupdro"),
    E(T, "SmallNet: mitigation must be"),
)
case(
    "SmallNet mitigation attribute",
    lambda w: m3h.SmallNet(mitigation=m3h.GroupDRO(attribute="race"), epochs=1).fit(w.cohort),
    E(K, "'race' is not a group column"),
)
case(
    "SmallNet predict unfitted",
    lambda w: m3h.SmallNet().predict_proba(w.cohort),
    E(NotFittedError, "not fitted"),
)
case(
    "SmallNet embed unfitted",
    lambda w: m3h.SmallNet().embed(w.cohort),
    E(NotFittedError, "not fitted"),
)
case(
    "SmallNet fit a string",
    lambda w: m3h.SmallNet().fit("cohort"),
    E(T, "SmallNet.fit: cohort must be a Cohort"),
)
case(
    "SmallNet predict a string", lambda w: w.net.predict_proba("cohort"), E(T, "Expected a Cohort")
)
case(
    "SmallNet other image size",
    lambda w: w.net.predict_proba(w.tiny_images),
    E(V, "trained on (32, 32) images"),
)
case(
    "SmallNet no positives",
    lambda w: m3h.SmallNet(tasks=["pulmonary_embolism"], epochs=1).fit(
        w.cohort.subset(np.flatnonzero(w.cohort.labels["pulmonary_embolism"] == 0))
    ),
    E(V, "no recorded positives"),
)
case(
    "SmallNet numpy scalars, one task name",
    lambda w: (
        m3h.SmallNet(tasks="pneumonia", hidden=np.int64(4), epochs=np.int64(1), lr=np.float32(0.01))
        .fit(w.cohort)
        .predict_proba(w.other)
    ),
    Returns(lambda p, w: list(p) == ["pneumonia"] and p["pneumonia"].shape == (300,)),
)

for cls, option, value, error in [
    (m3h.GroupDRO, "eta", 0, V),
    (m3h.GroupDRO, "eta", NAN, V),
    (m3h.GroupDRO, "eta", -1, V),
    (m3h.GroupDRO, "eta", "0.1", T),
    (m3h.DANN, "lam", -1, V),
    (m3h.DANN, "lam", INF, V),
    (m3h.DANN, "hidden", 0, V),
    (m3h.DANN, "hidden", 2.5, V),
    (m3h.ReSample, "power", 2, V),
    (m3h.ReSample, "power", NAN, V),
    (m3h.ReSample, "label_column", "a", T),
    (m3h.ReSample, "label_column", -1, V),
    (m3h.ReWeight, "power", -0.5, V),
]:
    case(
        f"{cls.__name__} {option}={value!r}",
        lambda w, c=cls, o=option, v=value: c(**{o: v}),
        E(error, f"{cls.__name__}: {option} must be"),
    )
case("ERM attribute=''", lambda w: m3h.ERM(attribute=""), E(T, "attribute must name a column"))
case("ERM attribute=5", lambda w: m3h.ERM(attribute=5), E(T, "attribute must name a column"))
case(
    "GroupDRO reset n_groups=0",
    lambda w: m3h.GroupDRO().reset(n_groups=0, feature_dim=4),
    E(V, "n_groups must be"),
)
case(
    "GroupDRO reset n_groups=2.5",
    lambda w: m3h.GroupDRO().reset(n_groups=2.5, feature_dim=4),
    E(V, "n_groups must be"),
)
case(
    "GroupDRO reset n_groups='2'",
    lambda w: m3h.GroupDRO().reset(n_groups="2", feature_dim=4),
    E(T, "n_groups must be"),
)
case(
    "DANN reset feature_dim=0",
    lambda w: m3h.DANN().reset(n_groups=2, feature_dim=0),
    E(V, "feature_dim must be"),
)
case(
    "DANN reset feature_dim=nan",
    lambda w: m3h.DANN().reset(n_groups=2, feature_dim=NAN),
    E(V, "feature_dim must be"),
)
case(
    "GroupDRO reset n_groups=np.int64",
    lambda w: (lambda m: (m.reset(n_groups=np.int64(3), feature_dim=4), m)[1])(m3h.GroupDRO()),
    Returns(lambda m, w: m.n_groups == 3 and m.q.shape == (3,)),
)


def _reduce_out_of_range(w):
    import torch

    m = m3h.GroupDRO()
    m.reset(n_groups=2, feature_dim=4)
    return m.reduce(torch.ones(3), torch.tensor([0, 1, 2]))


def _adversary_before_reset(w):
    import torch

    return m3h.DANN().adversary_loss(torch.ones(2, 4), torch.tensor([0, 1]))


case("GroupDRO reduce ids", _reduce_out_of_range, E(V, "group ids must lie in [0, 2)"))
case("DANN adversary before reset", _adversary_before_reset, E(RuntimeError, "Call reset"))
case(
    "ReSample weights lengths",
    lambda w: m3h.ReSample().sampling_weights(np.zeros(3), np.zeros(4)),
    E(V, "3 group ids but 4 label rows"),
)
case(
    "GroupDRO eta=np.float32",
    lambda w: m3h.GroupDRO(eta=np.float32(0.05)),
    Returns(lambda m, w: type(m.eta) is float),
)
case(
    "DANN hidden=np.int64",
    lambda w: m3h.DANN(hidden=np.int64(8)),
    Returns(lambda m, w: m.hidden == 8 and type(m.hidden) is int),
)
case(
    "make_mitigation unknown", lambda w: make_mitigation("fair"), E(V, "Unknown mitigation 'fair'")
)
case(
    "ModelSpec unknown method",
    lambda w: m3h.ModelSpec(method="foo").build(),
    E(V, "Unknown mitigation 'foo'"),
)
case(
    "ModelSpec erm with options",
    lambda w: m3h.ModelSpec(options={"eta": 0.1}).build(),
    E(V, "options"),
)
case("ModelSpec hidden=0", lambda w: m3h.ModelSpec(hidden=0).build(), E(V, "hidden must be"))
case(
    "ModelSpec eta=-1",
    lambda w: m3h.ModelSpec(method="groupdro", options={"eta": -1}).build(),
    E(V, "eta must be"),
)
case(
    "ModelSpec wrong option",
    lambda w: m3h.ModelSpec(method="groupdro", options={"lam": 1}).build(),
    E(T, "lam"),
)
case(
    "ModelSpec upper-case method",
    lambda w: m3h.ModelSpec(method="GroupDRO", options={"eta": 0.1}).build(),
    Returns(lambda net, w: isinstance(net.mitigation, m3h.GroupDRO)),
)

# -- shortcuts and transfer -----------------------------------------------------------------
case(
    "group_mean_images attribute",
    lambda w: m3h.group_mean_images(w.cohort, attribute="race"),
    E(K, "Unknown attribute 'race'"),
)
case(
    "group_mean_images value",
    lambda w: m3h.group_mean_images(w.cohort, value="Martian"),
    E(V, "No patient has"),
)
case(
    "group_mean_images value=None",
    lambda w: m3h.group_mean_images(w.cohort, value=None),
    E(T, "group_mean_images: value must be"),
)
case(
    "group_mean_images sex F",
    lambda w: m3h.group_mean_images(w.cohort, attribute="sex", value="F"),
    Returns(
        lambda d, w: np.allclose(
            d["F"], w.cohort.images[(w.cohort.groups["sex"] == "F").to_numpy()].mean(axis=0)
        )
    ),
)
X6, Y6 = [0.1, 0.4, 0.2, 0.8, 0.5, 0.9], [0.2, 0.3, 0.1, 0.7, 0.6, 1.0]
case(
    "bootstrap_correlation lengths",
    lambda w: m3h.bootstrap_correlation(X6, Y6[:-1]),
    E(V, "Length mismatch"),
)
case(
    "bootstrap_correlation two models",
    lambda w: m3h.bootstrap_correlation(X6[:2], Y6[:2]),
    E(V, "at least three models"),
)
case(
    "bootstrap_correlation NaN",
    lambda w: m3h.bootstrap_correlation([NAN, *X6[1:]], Y6),
    E(V, "contains NaN"),
)
case(
    "bootstrap_correlation constant",
    lambda w: m3h.bootstrap_correlation([1.0] * 6, Y6),
    E(V, "constant"),
)
for option, value, error in [
    ("n_bootstrap", 0, V),
    ("n_bootstrap", -5, V),
    ("level", 1.5, V),
    ("seed", -1, V),
]:
    case(
        f"bootstrap_correlation {option}={value!r}",
        lambda w, o=option, v=value: m3h.bootstrap_correlation(X6, Y6, **{o: v}),
        E(error, f"bootstrap_correlation: {option} must be"),
    )
case(
    "bootstrap_correlation x str",
    lambda w: m3h.bootstrap_correlation("abcdef", Y6),
    E(T, "bootstrap_correlation: x must be"),
)
case(
    "bootstrap_correlation shuffled Series",
    lambda w: m3h.bootstrap_correlation(
        pd.Series(X6, index=list("abcdef")), pd.Series(Y6, index=list("abcdef")).iloc[::-1]
    )["r"],
    Returns(lambda r, w: close(r, np.corrcoef(X6, Y6)[0, 1])),
)
case(
    "bootstrap_correlation np.int64",
    lambda w: m3h.bootstrap_correlation(X6, Y6, n_bootstrap=np.int64(50), seed=np.int64(2)),
    Returns(lambda d, w: d["low"] <= d["r"] <= d["high"]),
)
case(
    "encoding_gap_correlation missing",
    lambda w: m3h.encoding_gap_correlation(w.results("encoding")),
    E(K, "results lack columns"),
)
case(
    "transfer_correlations missing",
    lambda w: m3h.transfer_correlations(w.results("ood_gap")),
    E(K, "results lack columns"),
)
case(
    "compare_selection_rules missing",
    lambda w: m3h.compare_selection_rules(w.results("id_gap")),
    E(K, "results lack columns"),
)
case(
    "compare_selection_rules dict",
    lambda w: m3h.compare_selection_rules({"a": 1}),
    E(T, "results must be a DataFrame"),
)
case(
    "mitigation_effect missing",
    lambda w: m3h.mitigation_effect(w.results("ood_gap")),
    E(K, "results lack columns"),
)
case(
    "mitigation_effect ok",
    lambda w: m3h.mitigation_effect(w.results()),
    Returns(lambda t, w: list(t.index) == ["erm", "dann", "groupdro"]),
)
ONE = [m3h.ModelSpec(hidden=4, epochs=1)]
case(
    "run_transfer_family []",
    lambda w: m3h.run_transfer_family(w.cohort, []),
    E(V, "at least one ModelSpec"),
)
case(
    "run_transfer_family specs of str",
    lambda w: m3h.run_transfer_family(w.cohort, ["erm"]),
    E(T, "specs must be"),
)
case(
    "run_transfer_family site",
    lambda w: m3h.run_transfer_family(w.cohort, ONE, test_site="nowhere"),
    E(V, "Unknown site"),
)
case(
    "run_transfer_family against",
    lambda w: m3h.run_transfer_family(w.cohort, ONE, against="truth"),
    E(V, "against must be"),
)
case(
    "run_transfer_family seed",
    lambda w: m3h.run_transfer_family(w.cohort, ONE, seed=-1),
    E(V, "seed must be"),
)
case(
    "run_transfer_family new_site str",
    lambda w: m3h.run_transfer_family(w.cohort, ONE, new_site="river"),
    E(T, "new_site must be"),
)
case(
    "run_transfer_family new_site seen",
    lambda w: m3h.run_transfer_family(w.cohort, ONE, new_site=w.other),
    E(V, "new_site contains training site"),
)
case(
    "run_shortcut_family []",
    lambda w: m3h.run_shortcut_family([], n_patients=100),
    E(V, "at least one ModelSpec"),
)
case(
    "run_shortcut_family n_patients=0",
    lambda w: m3h.run_shortcut_family(ONE, n_patients=0),
    E(V, "n_patients must be"),
)
case(
    "run_shortcut_family specs of str",
    lambda w: m3h.run_shortcut_family(["x"], n_patients=100),
    E(T, "specs must be"),
)
case(
    "run_shortcut_family test_size",
    lambda w: m3h.run_shortcut_family(ONE, n_patients=100, test_size=1.5),
    E(V, "test_size must be"),
)
case(
    "run_shortcut_family against",
    lambda w: m3h.run_shortcut_family(ONE, n_patients=100, against="truth"),
    E(V, "against must be"),
)
SMALL_GRID = {"erm": [{}], "groupdro": [{"eta": 0.1}]}


def sel(w, **options):
    options = {"grid": SMALL_GRID, "train_seeds": [0], "hidden": 4, "epochs": 1, **options}
    return m3h.select_mitigation(w.cohort, **options)


case(
    "select_mitigation no erm",
    lambda w: sel(w, grid={"groupdro": [{}]}),
    E(V, "needs the 'erm' baseline"),
)
case(
    "select_mitigation grid str",
    lambda w: sel(w, grid="erm"),
    E(T, "select_mitigation: grid must be"),
)
case(
    "select_mitigation train_seeds=[]",
    lambda w: sel(w, train_seeds=[]),
    E(V, "at least one training seed"),
)
case(
    "select_mitigation protect",
    lambda w: sel(w, protect="race"),
    E(K, "protect='race' is not a group column"),
)
case(
    "select_mitigation audit of one",
    lambda w: sel(w, audit=("race_ethnicity",)),
    E(V, "select_mitigation: audit must be"),
)
case(
    "select_mitigation audit str",
    lambda w: sel(w, audit="race_ethnicity"),
    E(V, "select_mitigation: audit must be"),
)
case(
    "select_mitigation audit attribute",
    lambda w: sel(w, audit=("race", None)),
    E(K, "Unknown attribute 'race'"),
)
case("select_mitigation site", lambda w: sel(w, test_site="nowhere"), E(V, "Unknown site"))
case("select_mitigation hidden=0", lambda w: sel(w, hidden=0), E(V, "hidden must be"))
case(
    "select_mitigation unknown method",
    lambda w: sel(w, grid={"erm": [{}], "foo": [{}]}),
    E(V, "Unknown mitigation 'foo'"),
)

# -- one patient, datasheet ---------------------------------------------------------------
case(
    "patient_record unknown id",
    lambda w: m3h.patient_record(w.cohort, "P999999"),
    E(K, "Unknown patient id 'P999999'"),
)
case(
    "patient_record 5000",
    lambda w: m3h.patient_record(w.cohort, 5000),
    E(IndexError, "out of range"),
)
case("patient_record -1", lambda w: m3h.patient_record(w.cohort, -1), E(IndexError, "out of range"))
case("patient_record 1.5", lambda w: m3h.patient_record(w.cohort, 1.5), E(T, "patient must be"))
case("patient_record True", lambda w: m3h.patient_record(w.cohort, True), E(T, "patient must be"))
case(
    "patient_record np.int64",
    lambda w: m3h.patient_record(w.cohort, np.int64(3)),
    Returns(lambda r, w: r.position == 3 and r.patient_id == w.ids[3]),
)
case(
    "patient_record a string cohort",
    lambda w: m3h.patient_record("cohort", 0),
    E(T, "patient_record: cohort must be a Cohort"),
)
case(
    "reference_flags a DataFrame",
    lambda w: m3h.reference_flags(w.cohort.tabular),
    E(T, "reference_flags: cohort must be a Cohort"),
)
case(
    "datasheet_markdown a string",
    lambda w: m3h.datasheet_markdown("cohort"),
    E(T, "datasheet_markdown: cohort must be a Cohort"),
)

# -- M3HModel: construction-time checks only ------------------------------------------------
for option, value, error in [
    ("max_epochs", 0, V),
    ("max_epochs", NAN, V),
    ("batch_size", "64", T),
    ("patience", 0, V),
    ("alpha", -1, V),
    ("lr", 0, V),
    ("dropout", 1, V),
    ("loss_weighting", "magic", V),
    ("early_stopping", "never", V),
    ("device", "tpu", V),
    ("verbose", "yes", V),
    ("embed_dim", 2.5, V),
]:
    case(
        f"M3HModel {option}={value!r}",
        lambda w, o=option, v=value: m3h.M3HModel(**{o: v}),
        E(error, f"M3HModel: {option} must be"),
    )
case(
    "M3HModel modalities text",
    lambda w: m3h.M3HModel(modalities=["text"]),
    E(V, "Unknown modality"),
)
case("M3HModel modalities []", lambda w: m3h.M3HModel(modalities=[]), E(V, "at least one modality"))
case("M3HModel tasks []", lambda w: m3h.M3HModel(tasks=[]), E(V, "tasks is empty"))
case("M3HModel tasks 5", lambda w: m3h.M3HModel(tasks=5), E(T, "tasks must be a list of names"))
case(
    "M3HModel numpy scalars",
    lambda w: m3h.M3HModel(
        embed_dim=np.int64(8), lr=np.float32(0.01), patience=None, modalities="tabular"
    ),
    Returns(lambda m, w: m.embed_dim == 8 and type(m.lr) is float and m.modalities == ("tabular",)),
)
case(
    "M3HModel mitigation str",
    lambda w: m3h.M3HModel(mitigation="groupdro"),
    E(T, "mitigation"),
)
case(
    "M3HModel modalities dict",
    lambda w: m3h.M3HModel(modalities={"tabular": 1}),
    E(T, "modalities"),
)
case(
    "M3HModel modalities 5",
    lambda w: m3h.M3HModel(modalities=5),
    E(T, "modalities must be"),
)

# -- exercises: learner values --------------------------------------------------------------


def ex(number: str):
    from importlib import import_module

    return import_module(f"m3h_lite.exercises.ex{number}")


case("ex00.q0 np.int64", lambda w: ex("00").q0.check(np.int64(11)), feedback("correct"))
case("ex00.q0 '11'", lambda w: ex("00").q0.check("11"), feedback("incorrect", "not text in quotes"))
case("ex00.q1 np.int64", lambda w: ex("00").q1.check(np.int64(len(w.shipped))), feedback("correct"))
case(
    "ex00.q1 '4000'",
    lambda w: ex("00").q1.check(str(len(w.shipped))),
    feedback("incorrect", "should be a number"),
)
case("ex00.q1 True", lambda w: ex("00").q1.check(True), feedback("incorrect", "should be a number"))
case("ex00.q1 nan", lambda w: ex("00").q1.check(NAN), feedback("incorrect", "NaN"))
case(
    "ex01.q1 np.float32",
    lambda w: ex("01").q1.check(np.float32(ex("01").lactate_measured_share())),
    feedback("correct"),
)
case(
    "ex01.q1 a string",
    lambda w: ex("01").q1.check(str(ex("01").lactate_measured_share())),
    feedback("incorrect", "give one number"),
)
case("ex01.q1 nan", lambda w: ex("01").q1.check(NAN), feedback("incorrect", "NaN"))
case(
    "ex01.q3 a string",
    lambda w: ex("01").q3.check(str(ex("01").missed_sepsis_count())),
    feedback("incorrect", "give one whole number"),
)
case(
    "ex01.q3 np.int64",
    lambda w: ex("01").q3.check(np.int64(ex("01").missed_sepsis_count())),
    feedback("correct"),
)
case("ex02.q3 ['b']", lambda w: ex("02").q3.check(["b"]), feedback("incorrect", "choose one of"))
case("ex02.q3 ' B '", lambda w: ex("02").q3.check(" B "), feedback("correct"))
case(
    "ex03.q2 a string",
    lambda w: ex("03").q2.check("0.225"),
    feedback("incorrect", "should be a number"),
)
case("ex03.q2 np.float32", lambda w: ex("03").q2.check(np.float32(0.225)), feedback("correct"))
case(
    "ex04.q1 a list",
    lambda w: ex("04").q1.check(["pulmonary_embolism", 3]),
    feedback("incorrect", "tuple"),
)
case("ex04.q2 np.float64", lambda w: ex("04").q2.check(np.float64(5.0)), feedback("correct"))
case("ex04.q2 '5'", lambda w: ex("04").q2.check("5"), feedback("incorrect", "should be a number"))
case(
    "ex08.q1 np.float64",
    lambda w: ex("08").q1.check(np.float64(ex("08").missed_share())),
    feedback("correct"),
)
case(
    "ex08.q1 a string",
    lambda w: ex("08").q1.check(str(ex("08").missed_share())),
    feedback("incorrect", "give one number"),
)
case(
    "ex10.q1 np.float32 eta",
    lambda w: ex("10").q1.check(m3h.GroupDRO(attribute="sex", eta=np.float32(0.05))),
    feedback("correct"),
)
case(
    "ex10.q1 a string",
    lambda w: ex("10").q1.check("groupdro"),
    feedback("incorrect", "build a GroupDRO object"),
)


# ----------------------------------------------------------------------------- the test


def run_case(item: Case, world: World) -> None:
    if isinstance(item.expect, Raises):
        with pytest.raises(item.expect.error) as caught:
            item.call(world)
        assert item.expect.text in str(caught.value), (
            f"{type(caught.value).__name__}: {caught.value}"
        )
    else:
        assert item.expect.check(item.call(world), world)


def _params():
    for item in CASES:
        marks = [pytest.mark.xfail(strict=True, reason=item.known_gap)] if item.known_gap else []
        yield pytest.param(item, id=item.name, marks=marks)


@pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::UserWarning")
@pytest.mark.parametrize("item", list(_params()))
def test_bad_input(item: Case, world: World, tmp_path: Path) -> None:
    world.tmp = tmp_path
    run_case(item, world)


def test_the_table_is_large_and_names_are_unique():
    names = [item.name for item in CASES]
    assert len(CASES) >= 200
    assert len(set(names)) == len(names), [n for n in names if names.count(n) > 1]
