"""Per-modality features: fitted on training rows only, the right shapes, clear refusals."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge

import m3h_lite as m3h
from m3h_lite.classical.features import (
    ImageFeatures,
    ModalityFeatures,
    NoteFeatures,
    TabularFeatures,
    TimeSeriesFeatures,
    mark_negations,
    modality_data,
)


@pytest.fixture(scope="module")
def parts(small_cohort):
    split = m3h.split_patients(small_cohort, seed=0)
    return small_cohort.subset(split.train), small_cohort.subset(split.test)


def test_tabular_imputes_flags_logs_and_encodes(parts):
    train, test = parts
    features = TabularFeatures().fit(train)
    x = features.transform(test)
    names = list(features.get_feature_names_out())
    assert x.shape == (len(test), len(names))
    assert np.isfinite(x).all()
    assert "missingindicator_troponin_ng_L" in names
    assert "sex_F" in names and not any("race" in n for n in names)
    assert "troponin_ng_L" in features.log_columns_ and "sodium_mmol_L" not in features.log_columns_
    # Scaled on the training rows: mean 0 there, not on the test rows.
    assert np.allclose(features.transform(train)[:, 0].mean(), 0, atol=1e-9)
    with_race = TabularFeatures(categorical=("sex", "race_ethnicity")).fit(train)
    assert any(n == "race_ethnicity_Black" for n in with_race.get_feature_names_out())


def test_transform_uses_only_what_fit_learned(parts):
    """A patient's features do not depend on who else is transformed with them."""
    train, test = parts
    for transformer in (TabularFeatures(), TimeSeriesFeatures(), NoteFeatures(), ImageFeatures()):
        transformer.fit(train)
        whole = transformer.transform(test)
        part = transformer.transform(test.subset(np.arange(10)))
        # BLAS blocks a 10-row and a 300-row product differently: equal up to rounding of
        # the features' own precision (float32 here), not bit for bit.
        tol = 100 * np.finfo(whole.dtype).eps
        assert part.dtype == whole.dtype
        np.testing.assert_allclose(part, whole[:10], rtol=tol, atol=tol)


def test_timeseries_statistics_are_right():
    series = np.zeros((2, 5, 1), dtype=np.float32)
    series[0, :, 0] = [1, 2, 3, 4, 5]
    series[1, :, 0] = [5, 1, 5, 1, 5]
    features = TimeSeriesFeatures(channels=["hr"]).fit(series)
    raw = features._scaler.inverse_transform(features.transform(series))
    names = list(features.get_feature_names_out())
    stats = dict(zip(names, raw[0], strict=True))
    assert stats["hr_mean"] == pytest.approx(3)
    assert stats["hr_slope"] == pytest.approx(5)  # 1 per hour over 5 hours
    assert stats["hr_mean_abs_diff"] == pytest.approx(1)
    assert stats["hr_first"] == 1 and stats["hr_last"] == 5
    irregular = dict(zip(names, raw[1], strict=True))
    assert irregular["hr_mean_abs_diff"] == pytest.approx(4)


def test_timeseries_variability_shows_atrial_fibrillation(small_cohort):
    """The AF cause makes the heart rate irregular: the successive-difference feature sees it."""
    features = TimeSeriesFeatures().fit(small_cohort)
    x = pd.DataFrame(features.transform(small_cohort), columns=features.get_feature_names_out())
    af = small_cohort.truth.private_causes["atrial_fibrillation"]
    assert np.corrcoef(x["heart_rate_bpm_mean_abs_diff"], af)[0, 1] > 0.4
    assert abs(np.corrcoef(x["heart_rate_bpm_mean"], af)[0, 1]) < 0.15


def test_negations_are_marked():
    assert (
        mark_negations("denies fever or chills. cough.")
        == "denies no_fever no_or no_chills. cough."
    )
    assert mark_negations("no cp or ha.") == "no no_cp no_or no_ha."
    features = NoteFeatures(min_df=1).fit(["Cough. No fever.", "Fever. Denies cough."])
    terms = set(features.terms())
    assert {"fever", "no_fever", "cough", "no_cough"} <= terms


def test_notes_read_the_neurological_factor(parts):
    train, test = parts
    features = NoteFeatures().fit(train)
    z = "neurological"
    model = Ridge(alpha=10).fit(features.transform(train), train.truth.factors[z])
    assert model.score(features.transform(test), test.truth.factors[z]) > 0.2
    svd = NoteFeatures(n_components=8).fit(train)
    assert svd.transform(test).shape == (len(test), 8)


def test_images_are_compressed_and_read_heart_size(parts):
    train, test = parts
    features = ImageFeatures(n_components=16).fit(train)
    x_train, x_test = features.transform(train), features.transform(test)
    assert x_test.shape == (len(test), 16)
    model = Ridge(alpha=1).fit(x_train, train.truth.factors["cardiovascular"])
    assert model.score(x_test, test.truth.factors["cardiovascular"]) > 0.6
    with pytest.raises(ValueError, match="not divisible"):
        ImageFeatures(downsample=3).fit(train)


def test_modality_features_blocks(parts):
    train, test = parts
    features = ModalityFeatures(modalities=("tabular", "images")).fit(train)
    x = features.transform(test)
    assert x.shape[1] == features.n_features_out_ == len(features.get_feature_names_out())
    assert list(features.blocks_) == ["tabular", "images"]
    cols = features.columns(["images"])
    image_only = ImageFeatures().fit(train).transform(test)
    assert np.allclose(x[:, cols], image_only)
    with pytest.raises(ValueError, match="not fitted"):
        features.columns(["notes"])


def test_bad_input_is_refused(parts):
    train, _ = parts
    with pytest.raises(ValueError, match="Unknown modality 'xray'"):
        ModalityFeatures(modalities=("xray",)).fit(train)
    with pytest.raises(ValueError, match="at least one"):
        ModalityFeatures(modalities=()).fit(train)
    with pytest.raises(TypeError, match="needs a Cohort"):
        ModalityFeatures().fit(train.tabular)
    with pytest.raises(ValueError, match=r"shape \(patients, hours, channels\)"):
        TimeSeriesFeatures().fit(train.timeseries[:, :, 0])
    series = train.timeseries.copy()
    series[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        TimeSeriesFeatures().fit(series)
    with pytest.raises(TypeError, match="one string"):
        NoteFeatures().fit("a single note")
    with pytest.raises(TypeError, match="must be a string"):
        NoteFeatures().fit(["fine note", None])
    with pytest.raises(TypeError, match="DataFrame"):
        TabularFeatures().fit(train.tabular.to_numpy())
    with pytest.raises(KeyError, match="not in the tabular data"):
        TabularFeatures(categorical=("religion",)).fit(train)
    with pytest.raises(ValueError, match="Unknown modality"):
        modality_data(train, "genome")
    fitted = TimeSeriesFeatures().fit(train)
    with pytest.raises(ValueError, match="6 channels"):
        fitted.transform(train.timeseries[:, :, :3])
