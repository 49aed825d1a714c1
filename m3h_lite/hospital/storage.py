"""Saving and loading cohorts: CSV.gz tables, NPZ arrays, a manifest of SHA-256 checksums.

Files are written byte-for-byte reproducibly (fixed gzip and zip timestamps) and read with
``allow_pickle=False``: a data folder can never run code. Introduced in notebook 01.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from ..validation import Flag, expect_type, validate
from .cohort import GROUP_COLUMNS, TRUTH_ARRAYS, Cohort, Truth
from .config import INSURANCES, RACES, SEXES, CohortConfig, age_bands
from .tabular import feature_info
from .tasks import DIAGNOSES, DISPOSITIONS, PHENOTYPES, default_registry
from .timeseries import CHANNELS

FORMAT_VERSION = 1
MANIFEST = "SHA256SUMS"
DATA_FILES: tuple[str, ...] = (
    "config.json",
    "tabular.csv.gz",
    "notes.csv.gz",
    "labels.csv.gz",
    "true_labels.csv.gz",
    "signals.npz",
    "truth.npz",
)
_FIX_HINT = (
    "Restore the shipped files with `git checkout -- data/synthetic`, or regenerate them with "
    "`m3h-lite generate --out data/synthetic` (default size and seed)."
)


class CohortFileError(RuntimeError):
    """A cohort folder is missing, incomplete, corrupted or inconsistent.

    ``problem`` is what is wrong; ``fix`` is how to restore the files (part of the message).
    """

    fix = _FIX_HINT

    @property
    def problem(self) -> str:
        return str(self).replace(self.fix, "").strip()


def default_data_dir() -> Path:
    """Where the canonical cohort lives: ``$M3H_DATA_DIR`` or the repository's data folder."""
    env = os.environ.get("M3H_DATA_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "data" / "synthetic"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_csv_gz(frame: pd.DataFrame, path: Path) -> None:
    text = frame.to_csv(lineterminator="\n").encode()
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write(text)


def _write_npz(arrays: dict[str, np.ndarray], path: Path) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue())


def save_cohort(cohort: Cohort, folder: str | Path) -> Path:
    """Write a cohort to ``folder`` (created if needed) with a checksum manifest.

    Only a whole generated cohort can be saved: its ``config`` must describe its patients
    (a subset made with :meth:`Cohort.subset` would be refused when loaded).
    """
    expect_type(cohort, Cohort, owner="save_cohort", name="cohort", what="a Cohort")
    expect_type(folder, str | os.PathLike, owner="save_cohort", name="folder", what="a folder path")
    if len(cohort) != cohort.config.n_patients:
        raise ValueError(
            f"save_cohort: cohort is a subset ({len(cohort)} of the {cohort.config.n_patients} "
            "patients its configuration generates), which could not be loaded back. Save the "
            f"whole cohort, or generate one of this size: generate_cohort({len(cohort)}, ...)."
        )
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(
        json.dumps(
            {"format_version": FORMAT_VERSION, "config": cohort.config.to_dict()},
            indent=2,
            sort_keys=True,
        )
        + "\n"
    )
    _write_csv_gz(cohort.tabular, folder / "tabular.csv.gz")
    _write_csv_gz(cohort.notes.to_frame(), folder / "notes.csv.gz")
    _write_csv_gz(cohort.labels, folder / "labels.csv.gz")
    _write_csv_gz(cohort.truth.labels, folder / "true_labels.csv.gz")
    truth = cohort.truth
    _write_npz(
        {
            # Vital signs are rounded to 0.1, so int16 tenths store them exactly.
            "timeseries_tenths": np.rint(cohort.timeseries * 10).astype(np.int16),
            "images": cohort.images,
        },
        folder / "signals.npz",
    )
    _write_npz(
        truth.to_arrays(),
        folder / "truth.npz",
    )
    write_manifest(folder)
    return folder


def write_manifest(folder: str | Path) -> Path:
    """Write ``SHA256SUMS`` for the data files in ``folder`` (after :func:`save_cohort`)."""
    folder = Path(folder)
    sums = "".join(f"{_sha256(folder / name)}  {name}\n" for name in DATA_FILES)
    (folder / MANIFEST).write_text(sums)
    return folder / MANIFEST


def verify_checksums(folder: str | Path) -> dict[str, bool]:
    """Check every data file against the manifest; raise :class:`CohortFileError` if not ok."""
    folder = Path(folder)
    manifest = folder / MANIFEST
    if not manifest.exists():
        raise CohortFileError(f"No checksum manifest {manifest}. {_FIX_HINT}")
    expected = {}
    for number, line in enumerate(manifest.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64 or not name.strip():
            raise CohortFileError(
                f"{manifest} line {number} is not '<sha256>  <file name>': {line[:80]!r}. "
                + _FIX_HINT
            )
        expected[name.strip()] = digest
    missing = [name for name in DATA_FILES if not (folder / name).exists()]
    if missing:
        raise CohortFileError(f"Missing data file(s) {missing} in {folder}. {_FIX_HINT}")
    bad = [name for name in DATA_FILES if _sha256(folder / name) != expected.get(name)]
    if bad:
        raise CohortFileError(
            f"Checksum mismatch for {bad} in {folder}: the files are corrupted or were edited. "
            + _FIX_HINT
        )
    return dict.fromkeys(DATA_FILES, True)


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, index_col="patient_id", keep_default_na=True)


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


def _read_arrays(folder: Path, name: str, required: tuple[str, ...]) -> dict[str, np.ndarray]:
    with _reading(folder, name):
        arrays = _read_npz(folder / name)
    missing = [a for a in required if a not in arrays]
    if missing:
        raise CohortFileError(f"{name} has no array(s) {missing}. {_FIX_HINT}")
    return arrays


def _check_label_domains(frame: pd.DataFrame, registry, where: str) -> None:
    """Every label lies in its task's domain: 0/1, a known class, or a positive number."""
    for task in registry:
        if task.name not in frame:
            raise CohortFileError(f"{where} has no column {task.name!r}. {_FIX_HINT}")
        column = frame[task.name]
        if task.problem_class == "binary":
            bad = ~column.isin([0, 1])
        elif task.classes:
            bad = ~column.isin(task.classes)
        else:
            values = pd.to_numeric(column, errors="coerce")
            bad = ~(np.isfinite(values) & (values > 0))
        if bad.any():
            examples = column[bad].unique()[:3].tolist()
            raise CohortFileError(
                f"{where}: task {task.name!r} has {int(bad.sum())} value(s) outside its domain "
                f"(e.g. {examples}). {_FIX_HINT}"
            )


def _categorise_labels(frame: pd.DataFrame) -> pd.DataFrame:
    for task in DIAGNOSES:
        frame[task.name] = frame[task.name].astype(np.int8)
    frame["readmission_30d"] = frame["readmission_30d"].astype(np.int8)
    frame["disposition"] = pd.Categorical(frame["disposition"], categories=DISPOSITIONS)
    frame["phenotype"] = pd.Categorical(frame["phenotype"], categories=PHENOTYPES)
    return frame


def _check_shapes(config: CohortConfig, ids: pd.Index, tables: dict, signals, arrays) -> None:
    """Every file describes the configured patients, by id, in the same order, at the
    configured sizes (a table whose row was dropped or shuffled would pair labels with the
    wrong patients)."""
    n = config.n_patients
    if len(ids) != n or not ids.is_unique:
        raise CohortFileError(
            f"tabular.csv.gz holds {len(ids)} rows ({ids.nunique()} distinct ids); the "
            f"configuration says {n} patients. {_FIX_HINT}"
        )
    for name, table in tables.items():
        if not table.index.equals(ids):
            raise CohortFileError(
                f"{name} does not list the same patient ids in the same order as "
                f"tabular.csv.gz ({len(table)} rows). {_FIX_HINT}"
            )
    expected = {
        "images": (n, config.image_size, config.image_size),
        "timeseries_tenths": (n, config.n_hours, len(CHANNELS)),
    }
    for name, shape in expected.items():
        if signals[name].shape != shape:
            raise CohortFileError(
                f"signals.npz: {name} has shape {signals[name].shape}, the configuration "
                f"says {shape}. {_FIX_HINT}"
            )
    for name, values in arrays.items():
        if values.ndim == 0 or values.shape[0] != n:
            raise CohortFileError(
                f"truth.npz: {name} describes {values.shape[:1]} patients, not {n}. {_FIX_HINT}"
            )


def load_cohort(path: str | Path | None = None, *, verify: bool = True) -> Cohort:
    """Load a saved cohort; by default the canonical one shipped in ``data/synthetic/``.

    Checksums are verified first (``verify=False`` skips that, for speed on trusted copies).
    """
    if path is not None:
        expect_type(
            path,
            str | os.PathLike,
            owner="load_cohort",
            name="path",
            what="None or a folder path",
            fix="None loads the shipped cohort.",
        )
    verify = validate("load_cohort", {"verify": verify}, {"verify": Flag()})["verify"]
    folder = Path(path) if path is not None else default_data_dir()
    if not folder.is_dir():
        raise CohortFileError(f"No cohort folder at {folder}. {_FIX_HINT}")
    if verify:
        verify_checksums(folder)
    with _reading(folder, "the cohort files"):
        return _load(folder)


@contextmanager
def _reading(folder: Path, name: str) -> Iterator[None]:
    """Turn an error while reading ``name`` into a :class:`CohortFileError` naming the file.

    A file that passed its checksum (or was not verified) but does not hold what this version
    writes must say which file is wrong, never raise a bare KeyError from deep in pandas.
    """
    try:
        yield
    except CohortFileError:
        raise
    except (KeyError, ValueError, TypeError, IndexError, OSError, zipfile.BadZipFile) as error:
        raise CohortFileError(
            f"{name} in {folder} could not be read as this version's cohort format "
            f"({type(error).__name__}: {error}). {_FIX_HINT}"
        ) from error


def _load(folder: Path) -> Cohort:
    with _reading(folder, "config.json"):
        meta = json.loads((folder / "config.json").read_text())
        if not isinstance(meta, dict):
            raise ValueError("the top level is not a JSON object")
        if meta.get("format_version") != FORMAT_VERSION:
            raise CohortFileError(
                f"{folder} holds format version {meta.get('format_version')}, this m3h_lite "
                f"reads version {FORMAT_VERSION}. {_FIX_HINT}"
            )
        config = CohortConfig.from_dict(meta["config"])
    with _reading(folder, "tabular.csv.gz"):
        tabular = _read_csv(folder / "tabular.csv.gz")
    missing = [c for c in ("site", "sex", "race_ethnicity", "insurance", "age") if c not in tabular]
    if missing:
        raise CohortFileError(f"tabular.csv.gz has no column(s) {missing}. {_FIX_HINT}")
    site_names = [s.name for s in config.sites]
    for column, categories in (
        ("site", site_names),
        ("sex", SEXES),
        ("race_ethnicity", RACES),
        ("insurance", INSURANCES),
    ):
        unknown = ~tabular[column].isin(categories)
        if unknown.any():
            raise CohortFileError(
                f"tabular.csv.gz: column {column!r} holds values this cohort's configuration "
                f"does not know ({tabular[column][unknown].unique()[:3].tolist()}; allowed: "
                f"{list(categories)}). {_FIX_HINT}"
            )
        tabular[column] = pd.Categorical(tabular[column], categories=categories)
    groups = tabular[["sex", "race_ethnicity", "insurance"]].copy()
    groups["age_band"] = age_bands(tabular["age"])
    groups["site"] = tabular["site"]
    groups = groups[list(GROUP_COLUMNS)]
    ids = tabular.index
    signals = _read_arrays(folder, "signals.npz", ("timeseries_tenths", "images"))
    arrays = _read_arrays(folder, "truth.npz", tuple(TRUTH_ARRAYS))
    registry = default_registry()
    tables = {}
    for name in ("labels.csv.gz", "true_labels.csv.gz", "notes.csv.gz"):
        with _reading(folder, name):
            tables[name] = _read_csv(folder / name)
    notes = tables["notes.csv.gz"]
    texts = notes["note"] if "note" in notes else pd.Series(np.nan, index=notes.index)
    not_text = int((~texts.map(lambda v: isinstance(v, str))).sum())
    if not_text:
        raise CohortFileError(
            f"notes.csv.gz: {not_text} patient(s) have no note (one text per patient in a "
            f"'note' column). {_FIX_HINT}"
        )
    _check_shapes(config, ids, tables, signals, arrays)
    for name in ("labels.csv.gz", "true_labels.csv.gz"):
        _check_label_domains(tables[name], registry, name)
    truth = Truth.from_arrays(
        arrays,
        ids=ids,
        labels=_categorise_labels(tables["true_labels.csv.gz"]),
        planted=meta["config"]["biases"],
        task_loadings=registry.loadings(),
    )
    return Cohort(
        config=config,
        tabular=tabular,
        timeseries=(signals["timeseries_tenths"] / np.float32(10)).astype(np.float32),
        timeseries_channels=CHANNELS,
        notes=tables["notes.csv.gz"]["note"],
        images=signals["images"],
        labels=_categorise_labels(tables["labels.csv.gz"]),
        tasks=registry,
        groups=groups,
        truth=truth,
        feature_info=feature_info(),
    )
