"""Claims tests for notebook 08 (subgroup performance): each backs one sentence of its text.

Statements about the shipped test split are recomputed with the notebook's own model (same
split, same settings, deterministic). Statements about the synthetic world are checked on
20,000-patient evaluation cohorts of the shipped world and of the fresh worlds of
``CLAIM_SEEDS`` (label-only claims: small images, short series, which leave labels and
groups unchanged).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from claims_support import WORLDS, says

import m3h_lite as m3h

SEEDS = {"shipped": 2024}
EVAL_OFFSET = 10_000  # evaluation cohorts never share a seed with the worlds themselves


def eval_cohort(key):
    seed = SEEDS.get(key, key) + EVAL_OFFSET
    return m3h.generate_cohort(20_000, seed=seed, image_size=16, n_hours=6)


@pytest.fixture(scope="module")
def big():
    cohorts = {}

    def get(key):
        if key not in cohorts:
            cohorts[key] = eval_cohort(key)
        return cohorts[key]

    return get


@pytest.fixture(scope="module")
def nb(world):
    """The notebook's cohort, split, model, scores and threshold."""
    cohort = world("shipped")
    split = m3h.split_patients(cohort, seed=0)
    train, val, test = (cohort.subset(rows) for rows in split)
    model = m3h.SmallNet(modalities=("images", "tabular"), hidden=32, epochs=8).fit(train)
    scores = model.predict_proba(test)
    threshold = m3h.task_threshold(val, model.predict_proba(val), task="no_finding")
    audit = m3h.audit_subgroups(
        test, scores, task="no_finding", attribute="race_ethnicity", threshold=threshold,
        n_bootstrap=200, seed=0,
    )  # fmt: skip
    return {"cohort": cohort, "test": test, "scores": scores, "threshold": threshold,
            "audit": audit, "tasks": list(model.tasks)}  # fmt: skip


def underdiagnosis_bounds(test, scores, threshold, n_bootstrap=200, seed=0):
    """The notebook's 95% bootstrap bounds (``audit_subgroups(n_bootstrap=200, seed=0)``) of
    underdiagnosis only: the same within-group resampling, draw for draw, without the other
    metrics that make the full bootstrap slow."""
    groups = m3h.attribute_groups(test, "race_ethnicity").to_numpy(dtype=object)
    y, prob = m3h.task_scores(test, scores, task="no_finding")
    y, prob = np.asarray(y), np.asarray(prob)
    rng = np.random.default_rng(seed)
    names = list(pd.unique(groups))
    members = [np.flatnonzero(groups == name) for name in names]
    draws = []
    for _ in range(n_bootstrap):
        resampled = [rng.choice(m, size=len(m), replace=True) for m in members]
        draws.append([(prob[r][y[r] == 0] >= threshold).mean() for r in resampled])
    draws = pd.DataFrame(draws, columns=names)
    return pd.DataFrame(
        {"underdiagnosis_low": draws.quantile(0.025), "underdiagnosis_high": draws.quantile(0.975)}
    )


def finding_rates(cohort, tasks):
    groups = cohort.groups["race_ethnicity"].astype(str).to_numpy()
    frame = pd.DataFrame(
        {
            "recorded": cohort.labels[tasks].max(axis=1).to_numpy(),
            "true": cohort.truth.labels[tasks].max(axis=1).to_numpy(),
        }
    )
    return frame.groupby(groups).mean()


@pytest.mark.parametrize("key", WORLDS)
def test_under_recording_is_0_3_per_membership(key, world, big):
    says("08", "goes unrecorded with probability 0.3 per under-served membership")
    cohort = world(key) if key == "shipped" else big(key)
    dx = [t for t in cohort.tasks.of_class("binary") if t != "readmission_30d"]
    g = cohort.groups
    k = (g["race_ethnicity"].isin(["Black", "Hispanic"]).astype(int) + (g["sex"] == "F")).to_numpy()
    true = cohort.truth.labels[dx].to_numpy() == 1
    missed = true & (cohort.labels[dx].to_numpy() == 0)
    for members, expected in ((0, 0.0), (1, 0.3), (2, 1 - 0.7**2)):
        n = true[k == members].sum()
        rate = missed[k == members].sum() / n
        se = max(np.sqrt(expected * (1 - expected) / n), 1e-9)
        assert abs(rate - expected) <= 4 * se, (
            f"{key}: {members} membership(s): unrecorded share {rate:.3f}, expected {expected:.3f}"
        )


def _check_recorded_vs_true(rates, where):
    white = rates.loc["White"]
    for group in ("Black", "Hispanic"):
        row = rates.loc[group]
        true_diff = white["true"] - row["true"]
        rec_diff = white["recorded"] - row["recorded"]
        assert 0 < true_diff < 0.06, (
            f"{where}: {group} true rate {row['true']:.3f}, White {white['true']:.3f}"
        )
        assert rec_diff > true_diff, (
            f"{where}: {group} recorded gap {rec_diff:.3f} <= true {true_diff:.3f}"
        )
        share = 1 - row["recorded"] / row["true"]
        white_share = 1 - white["recorded"] / white["true"]
        assert share > 2 * white_share, (
            f"{where}: records miss {share:.2f} of {group} findings, {white_share:.2f} of White"
        )


@pytest.mark.parametrize("key", WORLDS)
def test_black_hispanic_findings_slightly_fewer_but_records_far_fewer(key, big, nb):
    says("08", "Black and Hispanic patients truly have findings only slightly less often than White patients (a few percentage points), but their records show far fewer: the records miss a much larger share of their findings, so the recorded difference is larger than the true one.")  # fmt: skip
    if key == "shipped":  # the table the notebook prints
        _check_recorded_vs_true(finding_rates(nb["cohort"], nb["tasks"]), "shipped cohort")
    _check_recorded_vs_true(finding_rates(big(key), nb["tasks"]), f"world {key}, 20,000 patients")


def test_intervals_wide_and_worst_group_small(nb):
    says("08", "The intervals are wide: the smaller groups have few ill patients in a test set of 800. Here the worst point estimate belongs to Asian patients, but only 9 of the 52 Asian test patients are ill")  # fmt: skip
    table = nb["audit"].table
    ill = table["n"] - table["positives"]
    assert table.loc["overall", "n"] == 800
    assert nb["audit"].worst_group("underdiagnosis") == "Asian"
    assert (ill["Asian"], table.loc["Asian", "n"]) == (9, 52)
    width = table["underdiagnosis_high"] - table["underdiagnosis_low"]
    nonzero = [
        g for g in ("Asian", "Black", "Hispanic", "White") if table.loc[g, "underdiagnosis"] > 0
    ]
    assert width[nonzero].idxmin() == "White", (
        f"narrowest interval is not the largest group: {width}"
    )
    assert (width[[g for g in nonzero if g != "White"]] > 0.25).all(), width


def test_black_above_white_but_interval_contains_white(nb):
    says("08", "On this test split Black patients are underdiagnosed more often than White patients, in the direction Seyyed-Kalantari et al. reported; but with so few ill Black patients their interval still contains the White rate, so this split alone cannot settle the question.")  # fmt: skip
    t = nb["audit"].table
    black, white = t.loc["Black"], t.loc["White"]
    assert black["underdiagnosis"] > white["underdiagnosis"], t["underdiagnosis"]
    assert black["underdiagnosis_low"] <= white["underdiagnosis"] <= black["underdiagnosis_high"], (
        "the Black interval no longer contains the White rate: the text's caveat is wrong"
    )


@pytest.fixture(scope="module")
def inter(nb):
    audit = m3h.audit_subgroups(
        nb["test"], nb["scores"], task="no_finding", attribute=["sex", "race_ethnicity"],
        threshold=nb["threshold"], allow_undefined=True,
    )  # fmt: skip
    table = audit.table.copy()
    table["ill"] = table["n"] - table["positives"]
    return table


def test_some_intersections_have_very_few_ill(inter):
    says("08", "Some intersections here have very few ill patients")
    assert inter["ill"].min() < 5, inter["ill"]


def test_intersection_pattern_only_in_part(inter):
    says("08", "On this test split the table shows that pattern only in part: Black women are underdiagnosed more often than White women and White men, but the top row is a cell with fewer than ten ill patients, and Hispanic women fall below the overall rate.")  # fmt: skip
    u = inter["underdiagnosis"]
    assert u["F & Black"] > max(u["F & White"], u["M & White"]), u
    top = u.drop("overall").idxmax()
    assert inter.loc[top, "ill"] < 10, (top, inter.loc[top, "ill"])
    assert u["F & Hispanic"] < u["overall"], u


def test_records_misjudge_calibration(nb):
    says("08", "against the records the model looks worse calibrated for Black, Hispanic and White patients than it truly is, and better for the few Other patients")  # fmt: skip
    ece = m3h.compare_labels(
        nb["test"], nb["scores"], metric="ece", task="no_finding", attribute="race_ethnicity",
        threshold=nb["threshold"],
    )  # fmt: skip
    for group in ("Black", "Hispanic", "White"):
        assert ece.loc[group, "recorded"] > ece.loc[group, "true"], ece
    assert ece.loc["Other", "recorded"] < ece.loc["Other", "true"], ece


def _misses(nb):
    test, tasks = nb["test"], nb["tasks"]
    _, p_no_finding = m3h.task_scores(test, nb["scores"], task="no_finding")
    missed = (test.truth.labels[tasks].max(axis=1) == 1) & (p_no_finding >= nb["threshold"])
    unrecorded = test.labels[tasks].max(axis=1) == 0
    frame = pd.DataFrame({"missed": missed, "invisible": missed & unrecorded})
    return frame.groupby(test.groups["race_ethnicity"], observed=True).sum()


def test_invisible_misses_few_and_highest_share_black(nb):
    says("08", "These invisible misses are few here (the line above)")
    says("08", "Their share is highest among Black patients (3 of 12) and lower among White patients (5 of 31).")  # fmt: skip
    counts = _misses(nb)
    assert counts["invisible"].sum() < 0.25 * counts["missed"].sum(), counts
    share = (counts["invisible"] / counts["missed"]).dropna()
    assert share.idxmax() == "Black", share
    assert tuple(counts.loc["Black"]) == (12, 3) and tuple(counts.loc["White"]) == (31, 5), counts


def test_threshold_trade_off_and_where_black_meets_others(nb):
    says("08", "Raising the bar for \"no finding\" lowers underdiagnosis for everyone, at the cost of more false alarms (healthy patients flagged as ill). Here Black patients' underdiagnosis stays above everyone else's well beyond the chosen threshold: the two rates meet only where the bar is so high that many more healthy patients are flagged.")  # fmt: skip
    test, tasks = nb["test"], nb["tasks"]
    _, p = m3h.task_scores(test, nb["scores"], task="no_finding")
    p = np.asarray(p)
    ill = test.truth.labels[tasks].max(axis=1).to_numpy() == 1
    black = (test.groups["race_ethnicity"] == "Black").to_numpy()
    grid = np.linspace(0.05, 0.99, 189)
    under_b = np.array([(p[ill & black] >= t).mean() for t in grid])
    under_o = np.array([(p[ill & ~black] >= t).mean() for t in grid])
    alarms = np.array([(p[~ill] < t).mean() for t in grid])
    assert (np.diff(under_b) <= 0).all() and (np.diff(under_o) <= 0).all()
    assert (np.diff(alarms) >= 0).all() and alarms[-1] > alarms[0]
    chosen = nb["threshold"]
    meet = grid[(grid > chosen) & (under_b <= under_o)].min()
    assert (
        under_b[(grid >= chosen) & (grid < meet)] > under_o[(grid >= chosen) & (grid < meet)]
    ).all()
    assert meet > chosen + 0.05, (chosen, meet)
    alarm_at = lambda t: (p[~ill] < t).mean()  # noqa: E731
    assert alarm_at(meet) > 1.25 * alarm_at(chosen), (alarm_at(chosen), alarm_at(meet))


@pytest.mark.parametrize("key", WORLDS)
def test_slightly_higher_true_diabetes_risk(key, big):
    says("08", "Some group differences are real (here, Black and Hispanic patients' slightly higher true risk of type 2 diabetes)")  # fmt: skip
    cohort = big(key)
    groups = cohort.groups["race_ethnicity"].astype(str).to_numpy()
    rate = cohort.truth.labels["type2_diabetes"].groupby(groups).mean()
    for group in ("Black", "Hispanic"):
        diff = rate[group] - rate["White"]
        assert 0.01 < diff < 0.1, (
            f"world {key}: {group} {rate[group]:.3f} vs White {rate['White']:.3f}"
        )
