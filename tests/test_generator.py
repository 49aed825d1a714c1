"""The synthetic hospital: determinism, plausibility, planted effects, bad input."""

import dataclasses
import hashlib

import numpy as np
import pandas as pd
import pytest

import m3h_lite as m3h
from m3h_lite.hospital.tabular import MEASUREMENTS


def _digest(cohort) -> str:
    h = hashlib.sha256()
    for frame in (cohort.tabular, cohort.labels, cohort.groups, cohort.truth.labels):
        h.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    h.update(cohort.notes.str.cat(sep="\n").encode())
    for array in (cohort.timeseries, cohort.images, cohort.truth.factors.to_numpy()):
        h.update(np.ascontiguousarray(array).tobytes())
    return h.hexdigest()


def test_same_seed_gives_identical_cohort():
    assert _digest(m3h.generate_cohort(300, seed=3)) == _digest(m3h.generate_cohort(300, seed=3))


def test_different_seed_gives_different_cohort():
    assert _digest(m3h.generate_cohort(300, seed=3)) != _digest(m3h.generate_cohort(300, seed=4))


def test_exact_size_and_shapes(small_cohort):
    c = small_cohort
    n = 1500
    assert len(c) == n and c.tabular.shape[0] == n and len(c.notes) == n
    assert c.timeseries.shape == (n, 48, len(c.timeseries_channels))
    assert c.timeseries.dtype == np.float32
    assert c.images.shape == (n, 32, 32) and c.images.dtype == np.uint8
    assert list(c.groups.columns) == ["sex", "race_ethnicity", "insurance", "age_band", "site"]
    assert set(c.labels.columns) == set(c.tasks.names)
    assert c.tabular.index.is_unique


def test_modalities_use_their_own_streams():
    a = m3h.generate_cohort(400, seed=8, image_size=32)
    b = m3h.generate_cohort(400, seed=8, image_size=48)
    pd.testing.assert_frame_equal(a.tabular, b.tabular)
    pd.testing.assert_frame_equal(a.labels, b.labels)
    pd.testing.assert_series_equal(a.notes, b.notes)
    np.testing.assert_array_equal(a.timeseries, b.timeseries)
    assert b.images.shape[1:] == (48, 48)


def test_bias_off_twin_differs_only_where_biases_act():
    biased = m3h.generate_cohort(2000, seed=9)
    twin = m3h.generate_cohort(2000, seed=9, bias_off=True)
    assert twin.config.biases.is_off
    pd.testing.assert_frame_equal(biased.truth.labels, twin.truth.labels)
    pd.testing.assert_frame_equal(biased.truth.factors, twin.truth.factors)
    pd.testing.assert_series_equal(biased.notes, twin.notes)
    np.testing.assert_array_equal(biased.timeseries, twin.timeseries)
    # The twin records every true diagnosis; the biased cohort misses some.
    dx = twin.tasks.diagnoses
    pd.testing.assert_frame_equal(twin.labels[dx], twin.truth.labels[dx])
    assert (biased.labels[dx].to_numpy() <= twin.labels[dx].to_numpy()).all()
    assert biased.labels[dx].to_numpy().sum() < twin.labels[dx].to_numpy().sum()
    # Images differ only for the shortcut group, and only by the faint texture.
    member = biased.truth.shortcut_member.to_numpy()
    diff = biased.images.astype(int) - twin.images.astype(int)
    assert (diff[~member] == 0).all()
    assert 0 < np.abs(diff[member]).max() <= 4
    # Measurements are equal where both are observed; the biased one has more gaps.
    both = biased.tabular.notna() & twin.tabular.notna()
    cols = biased.measurement_columns
    assert biased.tabular[cols].where(both[cols]).equals(twin.tabular[cols].where(both[cols]))
    assert biased.tabular[cols].isna().sum().sum() > twin.tabular[cols].isna().sum().sum()


def test_values_are_clinically_plausible(small_cohort):
    c = small_cohort
    for m in MEASUREMENTS:
        values = c.tabular[m.column].dropna()
        assert values.between(*m.plausible).all(), m.column
        assert (values >= 0).all(), m.column
    assert c.tabular["age"].between(18, 98).all()
    assert (c.labels["length_of_stay"] > 0).all()
    assert np.isfinite(c.timeseries).all()
    hr, spo2, temp = (
        c.timeseries[:, :, c.timeseries_channels.index(k)]
        for k in ("heart_rate_bpm", "spo2_pct", "temp_c")
    )
    assert hr.min() >= 30 and hr.max() <= 200
    assert spo2.min() >= 70 and spo2.max() <= 100
    assert temp.min() >= 34 and temp.max() <= 42
    # Reference ranges are non-negative and sit within what the generator can produce.
    info = c.feature_info
    assert (info["reference_low"] >= 0).all()
    assert (info["reference_high"] <= info["plausible_max"]).all()
    assert (info["reference_high"] > info["plausible_min"]).all()


def test_realistic_missingness(small_cohort):
    missing = small_cohort.tabular[small_cohort.measurement_columns].isna().mean()
    assert missing["heart_rate_bpm"] == 0
    assert 0.3 < missing["hba1c_pct"] < 0.8
    assert 0.01 < missing["creatinine_mg_dL"] < 0.15


def test_clinical_content_of_the_task_registry(small_cohort):
    reg = small_cohort.tasks
    dx = reg.diagnoses
    assert len(dx) >= 12
    assert len({reg[t].department for t in dx}) >= 6
    assert all(reg[t].icd10 for t in dx)
    classes = {t.problem_class for t in reg}
    assert classes == {"binary", "multiclass", "regression", "clustering"}
    prevalence = small_cohort.truth.labels[dx].mean()
    assert prevalence.min() < 0.05 and prevalence.max() > 0.12
    assert len(small_cohort.groups["site"].cat.categories) >= 3


def test_prevalence_matches_targets(large_cohort):
    reg = large_cohort.tasks
    true = large_cohort.truth.labels[reg.diagnoses].mean()
    target = pd.Series({t: reg[t].target_prevalence for t in reg.diagnoses})
    assert ((true - target).abs() / target).max() < 0.25


def test_underdiagnosis_has_the_configured_size(large_cohort):
    c = large_cohort
    rate = c.config.biases.underdiagnosis
    dx = c.tasks.diagnoses
    true = c.truth.labels[dx].to_numpy().sum(axis=1)
    recorded = c.labels[dx].to_numpy().sum(axis=1)
    k = np.round(np.log1p(-c.truth.underdiagnosis_probability) / np.log1p(-rate)).astype(int)
    for memberships in (0, 1, 2):
        rows = (k == memberships).to_numpy()
        observed_loss = 1 - recorded[rows].sum() / true[rows].sum()
        expected = 1 - (1 - rate) ** memberships
        assert abs(observed_loss - expected) < 0.03, (memberships, observed_loss, expected)


def test_missingness_bias_has_the_configured_size(large_cohort):
    c = large_cohort
    member = c.groups["insurance"].eq("Medicaid").to_numpy()
    missing = c.tabular["hba1c_pct"].isna().to_numpy()
    base = next(m.missing_rate for m in MEASUREMENTS if m.column == "hba1c_pct")
    factor = 1 + 2.0 * c.config.biases.missingness
    assert abs(missing[~member].mean() - base) < 0.02
    assert abs(missing[member].mean() - min(base * factor, 0.95)) < 0.03


def test_image_shortcut_is_invisible_on_average_but_present(large_cohort):
    c = large_cohort
    member = c.truth.shortcut_member.to_numpy()
    images = c.images.astype(float)
    # Within one site (same scanner) the average picture looks the same to the eye ...
    north = c.groups["site"].eq("north").to_numpy()
    mean_gap = abs(images[member & north].mean() - images[~member & north].mean())
    assert mean_gap < 2
    # ... yet a matched filter for the planted texture separates the groups.
    checker = np.where(np.indices(images.shape[1:]).sum(0) % 2 == 0, 1.0, -1.0)
    score = (images * checker).mean(axis=(1, 2))
    assert score[member].mean() - score[~member].mean() > 2.0


def test_true_probabilities_are_the_ceiling(large_cohort):
    from sklearn.metrics import roc_auc_score

    c = large_cohort
    auc = roc_auc_score(c.truth.labels["sepsis"], c.truth.probabilities["sepsis"])
    assert 0.75 < auc < 0.99


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_patients": 0}, "n_patients must be an integer >= 1"),
        ({"n_patients": -5}, "n_patients must be an integer >= 1"),
        ({"n_patients": 2.5}, "n_patients must be an integer"),
        ({"sites": ["mars"]}, "Unknown site"),
        ({"underdiagnosis": 1.5}, r"\[0, 1\]"),
        ({"image_shortcut": -0.1}, r"\[0, 1\]"),
        ({"image_size": 4}, "image_size"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_arguments_are_explained(kwargs, message):
    kwargs = {"n_patients": 50, **kwargs}
    with pytest.raises((ValueError, TypeError), match=message):
        m3h.generate_cohort(kwargs.pop("n_patients"), **kwargs)


def test_unknown_task_is_explained(small_cohort):
    with pytest.raises(KeyError, match="Unknown task"):
        small_cohort.tasks["heart_attack"]


def test_sites_subset(tmp_path):
    c = m3h.generate_cohort(300, seed=1, sites=["harbor", "valley"])
    assert set(c.groups["site"].astype(str)) == {"harbor", "valley"}


def test_reference_flags(small_cohort):
    flags = small_cohort.reference_flags()
    creatinine = small_cohort.tabular["creatinine_mg_dL"]
    assert (flags.loc[creatinine > 1.2, "creatinine_mg_dL"] == "H").all()
    assert (flags.loc[creatinine < 0.6, "creatinine_mg_dL"] == "L").all()
    assert (flags.loc[creatinine.isna(), "creatinine_mg_dL"] == "").all()
    assert set(flags.to_numpy().ravel()) <= {"", "L", "H"}


def test_blurry_scanner_weakens_the_texture_as_configured(large_cohort):
    from m3h_lite.hospital.config import DEFAULT_SITES

    c = large_cohort
    member = c.truth.shortcut_member.to_numpy()
    images = c.images.astype(float)[:, 1:-1, 1:-1]  # the edges see a truncated kernel
    checker = np.where(np.indices(images.shape[1:]).sum(0) % 2 == 0, 1.0, -1.0)
    score = (images * checker).mean(axis=(1, 2))
    site = c.groups["site"].astype(str).to_numpy()

    def texture(name):
        return score[member & (site == name)].mean() - score[~member & (site == name)].mean()

    blur = {s.name: s.scanner_blur for s in DEFAULT_SITES}
    assert blur["river"] > 0 and blur["north"] == 0
    expected = (1 - 4 * blur["river"]) ** 2
    assert texture("river") / texture("north") == pytest.approx(expected, abs=0.1)


def test_scanner_blur_keeps_smooth_images_and_removes_the_checkerboard():
    from m3h_lite.hospital.images import scanner_blur, shortcut_pattern

    flat = np.full((1, 8, 8), 100.0, dtype=np.float32)
    np.testing.assert_allclose(scanner_blur(flat, 0.2), flat, rtol=1e-6)
    pattern = shortcut_pattern(8)[None]
    inner = scanner_blur(pattern, 0.125)[0, 1:-1, 1:-1]
    np.testing.assert_allclose(inner, 0.25 * pattern[0, 1:-1, 1:-1], atol=1e-6)


def test_scanner_blur_out_of_range_is_refused():
    from m3h_lite.hospital.config import DEFAULT_SITES

    with pytest.raises(ValueError, match="scanner_blur"):
        dataclasses.replace(DEFAULT_SITES[0], scanner_blur=0.4)


def test_site_phenotype_weights_match_the_phenotypes():
    from m3h_lite.hospital.config import N_PHENOTYPES
    from m3h_lite.hospital.tasks import PHENOTYPES

    assert len(PHENOTYPES) == N_PHENOTYPES


def test_a_cohort_too_big_for_memory_is_refused_before_allocating():
    import tracemalloc

    tracemalloc.start()
    with pytest.raises(MemoryError, match=r"would need about [\d.]+ GB at its peak"):
        m3h.generate_cohort(10**9)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 50e6  # refused from the estimate, not after filling memory
