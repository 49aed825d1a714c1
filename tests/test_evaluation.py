"""The shared evaluation contract: sklearn-equal metrics, intervals, ceilings, clear refusals."""

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

import m3h_lite as m3h
from m3h_lite.evaluation import (
    UndefinedMetricError,
    bootstrap_ci,
    compute_metric,
    evaluate,
    expected_calibration_error,
    reliability_curve,
)

COLUMNS = [
    "task",
    "department",
    "problem_class",
    "metric",
    "value",
    "ci_low",
    "ci_high",
    "n",
    "n_positive",
    "ceiling",
    "note",
]


@pytest.fixture(scope="module")
def test_cohort(small_cohort):
    return small_cohort.subset(np.arange(600))


def _truth_predictions(cohort, rng):
    """Noisy versions of the truth, one per problem class."""
    n = len(cohort)
    p = cohort.truth.probabilities["sepsis"].to_numpy()
    proba = cohort.truth.disposition_probabilities.to_numpy()
    proba = proba + rng.uniform(0, 0.2, proba.shape)
    return {
        "sepsis": np.clip(p + rng.normal(0, 0.05, n), 0, 1),
        "disposition": proba / proba.sum(axis=1, keepdims=True),
        "length_of_stay": cohort.truth.expected_length_of_stay.to_numpy() * 1.1,
        "phenotype": cohort.labels["phenotype"].cat.codes.to_numpy() % 3,
    }


def test_evaluate_returns_the_tidy_contract(test_cohort):
    preds = _truth_predictions(test_cohort, np.random.default_rng(0))
    table = evaluate(test_cohort, preds)
    assert list(table.columns) == COLUMNS
    assert set(table["metric"]) == {
        "auroc",
        "auprc",
        "ece",
        "brier",
        "accuracy",
        "macro_f1",
        "mae",
        "r2",
        "adjusted_rand",
    }
    assert (table["n"] == len(test_cohort)).all()
    sepsis = table[table.task == "sepsis"]
    assert (sepsis["n_positive"] == test_cohort.labels["sepsis"].sum()).all()
    assert table.loc[table.task != "sepsis", "n_positive"].isna().all()
    assert (table["department"][table.task == "sepsis"] == "Infectious Diseases").all()


def test_metrics_equal_sklearn(test_cohort):
    preds = _truth_predictions(test_cohort, np.random.default_rng(1))
    table = evaluate(test_cohort, preds).set_index(["task", "metric"])["value"]
    y = test_cohort.labels["sepsis"].to_numpy()
    assert table["sepsis", "auroc"] == pytest.approx(skm.roc_auc_score(y, preds["sepsis"]))
    assert table["sepsis", "auprc"] == pytest.approx(
        skm.average_precision_score(y, preds["sepsis"])
    )
    assert table["sepsis", "brier"] == pytest.approx(skm.brier_score_loss(y, preds["sepsis"]))
    disp = test_cohort.labels["disposition"].cat.codes.to_numpy()
    pred_class = preds["disposition"].argmax(axis=1)
    assert table["disposition", "accuracy"] == pytest.approx(skm.accuracy_score(disp, pred_class))
    assert table["disposition", "macro_f1"] == pytest.approx(
        skm.f1_score(disp, pred_class, average="macro", labels=range(4), zero_division=0)
    )
    los = test_cohort.labels["length_of_stay"].to_numpy()
    assert table["length_of_stay", "mae"] == pytest.approx(
        skm.mean_absolute_error(los, preds["length_of_stay"])
    )
    assert table["length_of_stay", "r2"] == pytest.approx(
        skm.r2_score(los, preds["length_of_stay"])
    )
    pheno = test_cohort.labels["phenotype"].cat.codes.to_numpy()
    assert table["phenotype", "adjusted_rand"] == pytest.approx(
        skm.adjusted_rand_score(pheno, preds["phenotype"])
    )


def test_against_true_labels_uses_truth(test_cohort):
    p = test_cohort.truth.probabilities["pneumonia"].to_numpy()
    table = evaluate(test_cohort, {"pneumonia": p}, against="true", metrics=["auroc"])
    y = test_cohort.truth.labels["pneumonia"].to_numpy()
    assert table["value"].iloc[0] == pytest.approx(skm.roc_auc_score(y, p))
    # Scoring the truth itself reaches the ceiling exactly.
    assert table["value"].iloc[0] == pytest.approx(table["ceiling"].iloc[0])


def test_ceiling_is_computed_and_beats_a_noisy_model(test_cohort):
    preds = _truth_predictions(test_cohort, np.random.default_rng(2))
    table = evaluate(test_cohort, preds, against="true").set_index(["task", "metric"])
    for task, metric in [
        ("sepsis", "auroc"),
        ("disposition", "accuracy"),
        ("length_of_stay", "r2"),
    ]:
        assert np.isfinite(table.loc[(task, metric), "ceiling"])
        assert table.loc[(task, metric), "ceiling"] >= table.loc[(task, metric), "value"] - 1e-9
    assert np.isnan(table.loc[("phenotype", "adjusted_rand"), "ceiling"])


def test_bootstrap_interval_brackets_the_value(test_cohort):
    preds = _truth_predictions(test_cohort, np.random.default_rng(3))
    table = evaluate(test_cohort, preds, n_bootstrap=100, seed=0)
    finite = table.dropna(subset=["ci_low"])
    assert len(finite) == len(table)
    assert (finite["ci_low"] <= finite["value"] + 1e-12).all()
    assert (finite["ci_high"] >= finite["value"] - 1e-12).all()
    assert (finite["ci_high"] > finite["ci_low"]).all()
    again = evaluate(test_cohort, preds, n_bootstrap=100, seed=0)
    pd.testing.assert_frame_equal(table, again)


def test_bootstrap_ci_is_wider_for_fewer_patients():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 2000)
    p = np.clip(0.3 * y + rng.uniform(0, 0.7, 2000), 0, 1)
    auroc = m3h.evaluation.METRICS["auroc"].function
    low_big, high_big, _ = bootstrap_ci(auroc, y, p, n_bootstrap=200)
    low_small, high_small, _ = bootstrap_ci(auroc, y[:100], p[:100], n_bootstrap=200)
    assert high_small - low_small > high_big - low_big


def test_silhouette_needs_features(test_cohort):
    clusters = test_cohort.labels["phenotype"].cat.codes.to_numpy()
    without = evaluate(test_cohort, {"phenotype": clusters})
    assert "silhouette" not in set(without["metric"])
    with pytest.raises(ValueError, match="pass features"):
        evaluate(test_cohort, {"phenotype": clusters}, metrics=["silhouette"])
    feats = test_cohort.truth.factors.to_numpy()
    with_feats = evaluate(test_cohort, {"phenotype": clusters}, features=feats)
    value = with_feats.set_index("metric").loc["silhouette", "value"]
    assert value == pytest.approx(skm.silhouette_score(feats, clusters))


def test_ece_and_reliability_curve():
    rng = np.random.default_rng(0)
    p = rng.uniform(0, 1, 20_000)
    y = (rng.uniform(0, 1, 20_000) < p).astype(int)
    assert expected_calibration_error(y, p) < 0.02
    assert expected_calibration_error(y, np.clip(p + 0.2, 0, 1)) > 0.15
    curve = reliability_curve(y, p, n_bins=5)
    assert list(curve.columns) == ["bin", "mean_predicted", "observed", "count"]
    assert curve["count"].sum() == 20_000
    assert np.allclose(curve["observed"], curve["mean_predicted"], atol=0.03)
    by_hand = (curve["count"] * (curve["observed"] - curve["mean_predicted"]).abs()).sum()
    assert expected_calibration_error(y, p, n_bins=5) == pytest.approx(by_hand / 20_000)
    quant = reliability_curve(y, p, n_bins=4, strategy="quantile")
    assert quant["count"].min() > 4000


# ---- bad input is refused clearly ------------------------------------------------------


def test_mismatched_length_is_refused(test_cohort):
    with pytest.raises(ValueError, match="600 patients"):
        evaluate(test_cohort, {"sepsis": np.full(10, 0.5)})
    with pytest.raises(ValueError, match="same length"):
        bootstrap_ci(np.mean, np.zeros(3), np.zeros(4))


def test_nan_scores_are_refused(test_cohort):
    p = np.full(len(test_cohort), 0.5)
    p[3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        evaluate(test_cohort, {"sepsis": p})
    with pytest.raises(ValueError, match="NaN"):
        compute_metric("auroc", [0, 1, 1], [0.1, np.nan, 0.3])


def test_wrong_problem_class_is_refused(test_cohort):
    p = np.full(len(test_cohort), 0.5)
    with pytest.raises(ValueError, match="for regression tasks"):
        evaluate(test_cohort, {"sepsis": p}, metrics=["mae"])
    with pytest.raises(ValueError, match=r"shape \(600, 4\)"):
        evaluate(test_cohort, {"disposition": p})
    with pytest.raises(ValueError, match="probabilities in \\[0, 1\\]"):
        evaluate(test_cohort, {"sepsis": p * 3})
    with pytest.raises(KeyError, match="Unknown task"):
        evaluate(test_cohort, {"sepsiss": p})
    with pytest.raises(KeyError, match="Unknown metric"):
        evaluate(test_cohort, {"sepsis": p}, metrics=["auc"])
    with pytest.raises(ValueError, match="against"):
        evaluate(test_cohort, {"sepsis": p}, against="truth")


def test_single_class_sample_is_undefined_not_wrong():
    with pytest.raises(UndefinedMetricError, match="single class"):
        compute_metric("auroc", [0, 0, 0], [0.1, 0.2, 0.3])
    with pytest.raises(UndefinedMetricError, match="no positive"):
        compute_metric("auprc", [0, 0, 0], [0.1, 0.2, 0.3])


def test_evaluate_flags_undefined_metrics_with_nan(test_cohort):
    negatives = np.flatnonzero(test_cohort.labels["sepsis"].to_numpy() == 0)[:50]
    sub = test_cohort.subset(negatives)
    table = evaluate(sub, {"sepsis": np.full(50, 0.1)}).set_index("metric")
    assert np.isnan(table.loc["auroc", "value"])
    assert "single class" in table.loc["auroc", "note"]
    assert np.isfinite(table.loc["brier", "value"])


def test_reliability_curve_agrees_with_ece_on_tied_scores():
    """Scores of exactly 0.3, 0.6, 0.7 fall in the same bins for the diagram and for ECE."""
    p = np.repeat([0.3, 0.6, 0.7, 0.0, 1.0], 20)
    y = (np.arange(len(p)) % 3 == 0).astype(int)
    curve = m3h.reliability_curve(y, p)
    assert list(curve["bin"]) == [0, 3, 6, 7, 9]
    ece_from_curve = float(
        (curve["count"] * (curve["observed"] - curve["mean_predicted"]).abs()).sum() / len(p)
    )
    assert ece_from_curve == pytest.approx(m3h.expected_calibration_error(y, p))


def test_quantile_reliability_curve_on_constant_scores():
    curve = m3h.reliability_curve([0, 1, 1, 0], [0.4] * 4, strategy="quantile")
    assert len(curve) == 1 and curve["count"].iloc[0] == 4
    assert curve["observed"].iloc[0] == pytest.approx(0.5)


def test_bootstrap_interval_contains_an_upward_biased_estimate():
    # A max-min gap between equal groups: every replicate's gap exceeds the true gap, and
    # the plain percentile interval of these draws lies wholly above the point estimate.
    rng = np.random.default_rng(11)
    groups = rng.integers(0, 4, 400)
    values = rng.normal(0, 1, 400)

    def gap(v, g):
        means = [v[g == k].mean() for k in range(4)]
        return max(means) - min(means)

    estimate = gap(values, groups)
    draws = []
    for _ in range(400):
        rows = rng.integers(0, 400, 400)
        draws.append(gap(values[rows], groups[rows]))
    plain_low = np.quantile(draws, 0.025)
    low, high = m3h.evaluation.bootstrap_interval(draws, estimate)
    assert low <= estimate <= high
    assert low <= plain_low  # the correction moves the interval down, towards the estimate


def test_bootstrap_interval_is_the_percentile_interval_when_unbiased():
    draws = np.random.default_rng(2).normal(0, 1, 20_001)
    low, high = m3h.evaluation.bootstrap_interval(draws, float(np.median(draws)))
    assert low == pytest.approx(np.quantile(draws, 0.025), abs=0.01)
    assert high == pytest.approx(np.quantile(draws, 0.975), abs=0.01)
    assert np.isnan(m3h.evaluation.bootstrap_interval([np.nan], 0.5)).all()
    plain = m3h.evaluation.bootstrap_interval(draws)
    np.testing.assert_allclose(plain, np.quantile(draws, [0.025, 0.975]))


def test_audit_bootstrap_bounds_contain_every_gap_and_ece(test_cohort):
    rng = np.random.default_rng(5)
    scores = np.clip(
        test_cohort.truth.probabilities["pneumonia"].to_numpy()
        + rng.normal(0, 0.05, len(test_cohort)),
        0,
        1,
    )
    audit = m3h.audit_subgroups(
        test_cohort,
        scores,
        task="pneumonia",
        attribute="sex",
        n_bootstrap=60,
        allow_undefined=True,
    )
    gaps = audit.gaps.dropna(subset=["gap"])
    assert ((gaps["gap_low"] <= gaps["gap"]) & (gaps["gap"] <= gaps["gap_high"])).all()
    for metric in m3h.fairness.audit.BIASED_UPWARD:
        t = audit.table.dropna(subset=[metric])
        assert (t[f"{metric}_low"] <= t[metric] + 1e-12).all()
        assert (t[metric] <= t[f"{metric}_high"] + 1e-12).all()
