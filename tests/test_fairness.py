"""Subgroup audit: metrics, gaps, bootstrap bounds and every bad-input refusal."""

import numpy as np
import pandas as pd
import pytest

from m3h_lite.fairness import audit as fx


@pytest.fixture(scope="module")
def toy():
    rng = np.random.default_rng(0)
    n = 400
    groups = np.where(np.arange(n) % 2 == 0, "A", "B")
    y = (rng.random(n) < 0.4).astype(int)
    # group B's sick patients get lower scores: more false negatives there
    prob = np.clip(0.3 + 0.4 * y - 0.25 * y * (groups == "B") + rng.normal(0, 0.1, n), 0, 1)
    return y, prob, groups


def test_subgroup_metrics_match_hand_counts(toy):
    y, prob, groups = toy
    table = fx.subgroup_metrics(y, prob, groups, threshold=0.5)
    for g in ("A", "B"):
        m = groups == g
        fnr = ((prob[m] < 0.5) & (y[m] == 1)).sum() / (y[m] == 1).sum()
        fpr = ((prob[m] >= 0.5) & (y[m] == 0)).sum() / (y[m] == 0).sum()
        assert table.loc[g, "fnr"] == pytest.approx(fnr)
        assert table.loc[g, "fpr"] == pytest.approx(fpr)
        assert table.loc[g, "tpr"] == pytest.approx(1 - fnr)
        assert table.loc[g, "underdiagnosis"] == pytest.approx(fnr)
    assert table.loc["overall", "n"] == len(y)
    gaps = fx.fairness_gaps(table)
    assert gaps.loc["underdiagnosis", "worst_group"] == "B"
    assert gaps.loc["auroc", "worst_group"] == "B"
    assert gaps.loc["fnr", "gap"] == pytest.approx(
        abs(table.loc["A", "fnr"] - table.loc["B", "fnr"])
    )


def test_no_finding_underdiagnosis_is_fpr(toy):
    y, prob, groups = toy
    table = fx.subgroup_metrics(y, prob, groups, kind="no_finding")
    assert (table["underdiagnosis"] == table["fpr"]).all()


def test_ece_perfect_and_bad():
    y = np.array([0, 1] * 50)
    assert fx.expected_calibration_error(y, np.full(100, 0.5)) == pytest.approx(0.0)
    assert fx.expected_calibration_error(y, np.full(100, 0.9)) == pytest.approx(0.4)


def test_refuses_bad_input(toy):
    y, prob, groups = toy
    with pytest.raises(ValueError, match="Length mismatch"):
        fx.subgroup_metrics(y[:-1], prob, groups)
    with pytest.raises(ValueError, match="Only one group"):
        fx.subgroup_metrics(y, prob, np.full(len(y), "A"))
    y2 = y.copy()
    y2[groups == "B"] = 0
    with pytest.raises(ValueError, match="no positive patients.*undefined"):
        fx.subgroup_metrics(y2, prob, groups)
    table = fx.subgroup_metrics(y2, prob, groups, allow_undefined=True)
    assert np.isnan(table.loc["B", "fnr"])
    assert np.isnan(fx.fairness_gaps(table).loc["fnr", "gap"])
    bad = prob.copy()
    bad[0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fx.subgroup_metrics(y, bad, groups)


def test_audit_on_cohort(small_cohort):
    c = small_cohort
    probs = {t: c.truth.probabilities[t].to_numpy() for t in ("pneumonia", "heart_failure")}
    audit = fx.audit_subgroups(c, probs, task="pneumonia", attribute="sex", threshold=0.2)
    assert set(audit.table.index) == {"F", "M", "overall"}
    assert audit.gap() >= 0
    assert "pneumonia by sex" in repr(audit)
    nf = fx.audit_subgroups(
        c,
        probs,
        task="no_finding",
        attribute="race_ethnicity",
        value="Black",
        threshold=0.7,
        n_bootstrap=20,
        seed=1,
    )
    assert list(nf.table.index) == ["Black", "not Black", "overall"] or set(nf.table.index) == {
        "Black",
        "not Black",
        "overall",
    }
    assert {"fnr_low", "fnr_high"} <= set(nf.table.columns)
    low, high = nf.gaps.loc["underdiagnosis", ["gap_low", "gap_high"]]
    assert low <= high
    inter = fx.attribute_groups(c, ["sex", "race_ethnicity"])
    assert "F & Black" in set(inter)


def test_audit_refusals(small_cohort):
    c = small_cohort
    p = c.truth.probabilities["pneumonia"].to_numpy()
    with pytest.raises(KeyError, match="Unknown attribute 'race'"):
        fx.audit_subgroups(c, p, task="pneumonia", attribute="race")
    with pytest.raises(KeyError, match="Unknown binary task"):
        fx.audit_subgroups(c, p, task="pneumonitis", attribute="sex")
    with pytest.raises(ValueError, match="Length mismatch"):
        fx.audit_subgroups(c, p[:-3], task="pneumonia", attribute="sex")
    with pytest.raises(ValueError, match="Only one group"):
        fx.audit_subgroups(
            c.subset(np.flatnonzero(c.groups["sex"] == "F")),
            p[c.groups["sex"] == "F"],
            task="pneumonia",
            attribute="sex",
        )
    with pytest.raises(ValueError, match="against"):
        fx.audit_subgroups(c, p, task="pneumonia", attribute="sex", against="truth")
    with pytest.raises(ValueError, match="per-task probabilities"):
        fx.audit_subgroups(c, p, task="no_finding", attribute="sex")


def test_biased_test_labels_hide_bias(large_cohort):
    """A model that learned the under-recording looks calibrated against the recorded labels."""
    c = large_cohort
    female = (c.groups["sex"] == "F").to_numpy()
    p = c.truth.probabilities["pneumonia"].to_numpy() * np.where(female, 0.7, 1.0)
    table = fx.compare_labels(c, p, task="pneumonia", attribute="sex", metric="ece")
    assert table.loc["F", "recorded"] < 0.01
    assert table.loc["F", "true"] > 0.02
    assert isinstance(table, pd.DataFrame)


def test_choose_threshold():
    y = np.array([0, 0, 1, 1])
    p = np.array([0.1, 0.4, 0.6, 0.9])
    assert fx.choose_threshold(y, p) == pytest.approx(0.6)
    assert fx.choose_threshold(y, p, rule=0.3) == 0.3
    with pytest.raises(ValueError):
        fx.choose_threshold(y, p, rule="youden")
    with pytest.raises(ValueError, match="positive and negative"):
        fx.choose_threshold(np.zeros(4), p)
