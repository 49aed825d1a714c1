"""Saving, loading and verifying the shipped cohort."""

import shutil
import zipfile

import numpy as np
import pandas as pd
import pytest

import m3h_lite as m3h
from m3h_lite.hospital.storage import default_data_dir


def test_shipped_cohort_is_what_the_generator_makes(shipped_cohort):
    config = shipped_cohort.config
    from m3h_lite.hospital.generate import simulate

    fresh = simulate(config)
    pd.testing.assert_frame_equal(shipped_cohort.tabular, fresh.tabular)
    pd.testing.assert_frame_equal(shipped_cohort.labels, fresh.labels)
    pd.testing.assert_frame_equal(shipped_cohort.groups, fresh.groups)
    pd.testing.assert_frame_equal(shipped_cohort.truth.labels, fresh.truth.labels)
    pd.testing.assert_frame_equal(shipped_cohort.truth.probabilities, fresh.truth.probabilities)
    pd.testing.assert_series_equal(shipped_cohort.notes, fresh.notes)
    np.testing.assert_array_equal(shipped_cohort.timeseries, fresh.timeseries)
    np.testing.assert_array_equal(shipped_cohort.images, fresh.images)


def test_datasheet_is_current(shipped_cohort):
    text = (default_data_dir() / "DATASHEET.md").read_text()
    assert text == m3h.datasheet_markdown(shipped_cohort), (
        "DATASHEET.md is stale: run `m3h-lite generate --out data/synthetic`."
    )
    for section in (
        "Motivation",
        "Composition",
        "Collection process",
        "Labelling",
        "Uses",
        "Distribution and maintenance",
        "Risks and limitations",
        "Planted biases",
    ):
        assert f"## {section}" in text
    assert "not for clinical use" in text


def test_shipped_data_are_small():
    total = sum(p.stat().st_size for p in default_data_dir().iterdir())
    assert total < 10e6


def test_save_load_roundtrip_is_exact(tmp_path, small_cohort):
    m3h.save_cohort(small_cohort, tmp_path)
    back = m3h.load_cohort(tmp_path)
    pd.testing.assert_frame_equal(back.tabular, small_cohort.tabular)
    pd.testing.assert_frame_equal(back.truth.factors, small_cohort.truth.factors)
    np.testing.assert_array_equal(back.timeseries, small_cohort.timeseries)
    np.testing.assert_array_equal(back.images, small_cohort.images)


def test_saved_files_are_byte_reproducible(tmp_path):
    cohort = m3h.generate_cohort(200, seed=2)
    m3h.save_cohort(cohort, tmp_path / "a")
    m3h.save_cohort(cohort, tmp_path / "b")
    assert (tmp_path / "a" / "SHA256SUMS").read_text() == (
        tmp_path / "b" / "SHA256SUMS"
    ).read_text()


def _copy_shipped(tmp_path):
    target = tmp_path / "cohort"
    shutil.copytree(default_data_dir(), target)
    return target


def test_corrupted_file_is_refused(tmp_path):
    folder = _copy_shipped(tmp_path)
    data = bytearray((folder / "labels.csv.gz").read_bytes())
    data[-20] ^= 0xFF
    (folder / "labels.csv.gz").write_bytes(bytes(data))
    with pytest.raises(m3h.CohortFileError, match="Checksum mismatch.*git checkout"):
        m3h.load_cohort(folder)


def test_missing_file_is_refused(tmp_path):
    folder = _copy_shipped(tmp_path)
    (folder / "signals.npz").unlink()
    with pytest.raises(m3h.CohortFileError, match="Missing data file"):
        m3h.load_cohort(folder)


def test_missing_folder_is_refused(tmp_path):
    with pytest.raises(m3h.CohortFileError, match="No cohort folder"):
        m3h.load_cohort(tmp_path / "nowhere")


def test_pickled_arrays_are_never_loaded(tmp_path):
    folder = _copy_shipped(tmp_path)
    with (
        zipfile.ZipFile(folder / "truth.npz", "w") as archive,
        archive.open("factors.npy", "w") as handle,
    ):
        np.lib.format.write_array(handle, np.array([{"evil": 1}], dtype=object))
    with pytest.raises(m3h.CohortFileError, match="truth.npz.*pickle") as caught:
        m3h.load_cohort(folder, verify=False)
    assert isinstance(caught.value.__cause__, ValueError)  # numpy's own refusal, kept


# -- cohorts that check themselves (beyond checksums) -----------------------------------


def _saved(tmp_path):
    folder = tmp_path / "tampered"
    m3h.save_cohort(m3h.generate_cohort(120, seed=3), folder)
    return folder


def _rewrite(folder, name, frame):
    frame.to_csv(folder / name, compression={"method": "gzip", "mtime": 0})
    from m3h_lite.hospital.storage import write_manifest

    write_manifest(folder)  # what a careless edit plus regenerated checksums gives


def _table(folder, name):
    return pd.read_csv(folder / name, index_col="patient_id")


def test_dropped_label_row_is_refused_even_with_new_checksums(tmp_path):
    folder = _saved(tmp_path)
    _rewrite(folder, "labels.csv.gz", _table(folder, "labels.csv.gz").iloc[1:])
    with pytest.raises(m3h.CohortFileError, match="same patient ids in the same order"):
        m3h.load_cohort(folder)


def test_shuffled_label_rows_are_refused(tmp_path):
    folder = _saved(tmp_path)
    table = _table(folder, "labels.csv.gz")
    _rewrite(folder, "labels.csv.gz", table.iloc[::-1])
    with pytest.raises(m3h.CohortFileError, match="same order"):
        m3h.load_cohort(folder)


def test_label_outside_its_domain_is_refused(tmp_path):
    folder = _saved(tmp_path)
    table = _table(folder, "labels.csv.gz")
    table.iloc[0, table.columns.get_loc("sepsis")] = 2
    _rewrite(folder, "labels.csv.gz", table)
    with pytest.raises(m3h.CohortFileError, match="'sepsis' has 1 value"):
        m3h.load_cohort(folder)


def test_unknown_site_is_refused(tmp_path):
    folder = _saved(tmp_path)
    table = _table(folder, "tabular.csv.gz")
    table.iloc[0, table.columns.get_loc("site")] = "mars"
    _rewrite(folder, "tabular.csv.gz", table)
    with pytest.raises(m3h.CohortFileError, match="'site' holds values"):
        m3h.load_cohort(folder)


def test_images_of_another_size_are_refused(tmp_path):
    folder = _saved(tmp_path)
    with np.load(folder / "signals.npz", allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["images"] = arrays["images"][:, :16, :16]
    np.savez_compressed(folder / "signals.npz", **arrays)
    from m3h_lite.hospital.storage import write_manifest

    write_manifest(folder)
    with pytest.raises(m3h.CohortFileError, match="images has shape"):
        m3h.load_cohort(folder)


def test_malformed_manifest_line_is_explained(tmp_path):
    folder = _saved(tmp_path)
    manifest = folder / "SHA256SUMS"
    manifest.write_text(manifest.read_text() + "not a checksum line\n")
    with pytest.raises(m3h.CohortFileError, match="line 8 is not"):
        m3h.load_cohort(folder)


def test_empty_selection_is_refused(small_cohort):
    with pytest.raises(ValueError, match="no patients"):
        small_cohort.subset([])
    with pytest.raises(ValueError, match="no patients"):
        small_cohort.subset(np.zeros(len(small_cohort), dtype=bool))
