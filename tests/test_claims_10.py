"""Claims tests for notebook 10 (mitigation and transfer).

Every quantitative sentence of notebook 10 describes the shipped cohort ("here", "on this
cohort"); each is recomputed with the notebook's own calls, which are deterministic. Whether
the findings hold in other worlds is the job of ``benchmarks/fidelity_fairness.py``, which
the notebook points to instead of claiming it.
"""

from __future__ import annotations

import numpy as np
import pytest
from claims_support import says

import m3h_lite as m3h
from m3h_lite.fairness.smallnet import IMAGE_TASKS
from m3h_lite.fairness.transfer import site_splits
from m3h_lite.hospital.config import DEFAULT_SITES
from m3h_lite.hospital.images import scanner_blur


@pytest.fixture(scope="module")
def cohort(world):
    return world("shipped")


@pytest.fixture(scope="module")
def results(cohort):
    return m3h.run_transfer_family(cohort, test_site="river")


@pytest.fixture(scope="module")
def elsewhere(cohort):
    other_scanner = m3h.generate_cohort(2000, seed=99, sites=["river"], image_shortcut=0.0)
    return m3h.run_transfer_family(cohort, test_site="river", new_site=other_scanner)


@pytest.fixture(scope="module")
def selected(cohort):
    return m3h.select_mitigation(cohort, test_site="river")


def correlations(frame):
    return m3h.transfer_correlations(frame, n_bootstrap=2000, seed=0)


def test_one_setting_resample_lowered_the_gap_others_did_not(results):
    says("10", "ReSample lowered the underdiagnosis gap at the training sites (0.097 against ERM's 0.240); ReWeight and GroupDRO at these settings did not (0.280 and 0.257), and DANN doubled it (0.485) while losing AUROC.")  # fmt: skip
    effect = m3h.mitigation_effect(results)
    erm = effect.loc["erm"]
    assert effect.loc["resample", "id_gap"] < erm["id_gap"], effect
    assert effect.loc["reweight", "id_gap"] > erm["id_gap"], effect
    assert effect.loc["groupdro", "id_gap"] > erm["id_gap"], effect
    ratio = effect.loc["dann", "id_gap"] / erm["id_gap"]
    assert 1.7 < ratio < 2.3, f"DANN's gap is {ratio:.2f} times ERM's, not about double"
    assert effect.loc["dann", "id_auroc"] < erm["id_auroc"] - 0.02, effect


def test_all_but_dann_narrowed_the_auroc_gap(results):
    says("10", "All but DANN narrowed the **AUROC** gap")
    effect = m3h.mitigation_effect(results)["id_auroc_gap"]
    for method in ("resample", "reweight", "groupdro"):
        assert effect[method] < effect["erm"], effect
    assert effect["dann"] >= effect["erm"], effect


def test_dann_did_not_hide_race(results):
    says("10", "DANN did not hide race either (probe AUROC 1.000)")
    dann = results.loc[results["method"] == "dann", "encoding"]
    assert dann.min() > 0.995, dann


def test_tuned_resample_is_locally_optimal(selected):
    says("10", "The method with the smallest validation gap, ReSample with power 1, also has a much smaller test gap than plain training (0.112 against 0.274) at almost the same AUROC (0.736 against 0.746): a *locally optimal* model, as Yang et al. found. Tuned GroupDRO and ReWeight sit in between (0.187 and 0.214); DANN stays at ERM's level.")  # fmt: skip
    says("10", "here balancing each group's recorded prevalence did, and only with strong regularisation")  # fmt: skip
    best, erm = selected.loc["selected best"], selected.loc["erm"]
    assert best["setting"] == "resample(power=1)", selected
    assert best["test_gap"] < 0.5 * erm["test_gap"], selected
    assert abs(best["test_auroc"] - erm["test_auroc"]) < 0.02, selected
    for method in ("groupdro", "reweight"):
        assert best["test_gap"] < selected.loc[method, "test_gap"] < erm["test_gap"], selected
    assert abs(selected.loc["dann", "test_gap"] - erm["test_gap"]) < 0.03, selected


def test_weak_regularisation_makes_balancing_raise_the_gap(cohort):
    says("10", "Here it works only with a well-regularised network.")
    says("10", "With weak regularisation the same balancing *raises* the gap")
    weak = m3h.select_mitigation(
        cohort, test_site="river", grid={"erm": [{}], "resample": [{"power": 1.0}]}, weight_decay=1e-4
    )  # fmt: skip
    assert weak.loc["resample", "test_gap"] > weak.loc["erm", "test_gap"], weak


def test_far_more_weights_than_training_patients(cohort):
    says("10", "The network has far more weights than training patients (the line above)")
    n_train = len(site_splits(cohort, test_site="river")[0])
    n_weights = (cohort.images[0].size + 1) * 32 + (32 + 1) * len(IMAGE_TASKS)
    assert n_weights > 10 * n_train, (n_weights, n_train)


def test_perfect_model_gap_and_the_noise_of_32_patients(cohort, selected):
    says("10", "Even the perfect model shows an underdiagnosis gap on these patients (first line). Only 113 − 81 = 32 Black test patients have a true finding")  # fmt: skip
    says("10", "The tuned ReSample's advantage over ERM is about twice that (third line)")
    _, val, id_test, _ = site_splits(cohort, test_site="river")

    def true_scores(part):
        return {task: part.truth.probabilities[task].to_numpy() for task in IMAGE_TASKS}

    threshold = m3h.task_threshold(val, true_scores(val), task="no_finding")
    perfect = m3h.audit_subgroups(
        id_test, true_scores(id_test), task="no_finding", attribute="race_ethnicity",
        value="Black", threshold=threshold,
    )  # fmt: skip
    black = perfect.table.loc["Black"]
    assert (black["n"], black["positives"]) == (113, 81), black
    assert perfect.gap("underdiagnosis") > 0.05, perfect.table
    se = np.sqrt(black["underdiagnosis"] * (1 - black["underdiagnosis"]) / 32)
    advantage = selected.loc["erm", "test_gap"] - selected.loc["selected best", "test_gap"]
    assert 1.5 < advantage / se < 2.5, f"advantage {advantage:.3f} is {advantage / se:.1f} SE"


def test_selected_best_flatters_itself_on_validation(selected):
    says("10", "the selected best's validation gap above is smaller than its test gap")
    best = selected.loc["selected best"]
    assert best["val_gap"] < best["test_gap"], selected


def test_auroc_carries_over_the_gap_less_and_most_gaps_shrink(results):
    says("10", "AUROC carries over (r = 0.74, interval 0.40–0.95): a model that ranks patients well at three hospitals mostly ranks them well at the fourth. The gap carries over less (r = 0.53, interval 0.05–0.94), and single models move a lot")  # fmt: skip
    says("10", "and most gaps shrink")
    corr = correlations(results)
    assert corr.loc["auroc", "r"] > 0.5 and corr.loc["auroc", "low"] > 0, corr
    assert corr.loc["gap", "r"] < corr.loc["auroc", "r"], corr
    reweight = results.set_index("model").loc["h=32 reweight"]
    assert reweight["ood_gap"] < 0.1 * reweight["id_gap"], reweight
    assert (results["ood_gap"] < results["id_gap"]).sum() > len(results) / 2, results


def test_river_scanner_passes_a_quarter_of_the_texture():
    says("10", "it passes the smooth anatomy but only a quarter of the pixel-level texture")
    (river,) = [s for s in DEFAULT_SITES if s.name == "river"]
    checkerboard = np.indices((16, 16)).sum(axis=0) % 2 * 2.0 - 1.0
    passed = scanner_blur(checkerboard[None].astype(np.float32), river.scanner_blur)[0]
    assert np.allclose(np.abs(passed[2:-2, 2:-2]), 0.25, atol=1e-5), passed[2:-2, 2:-2]
    smooth = np.linspace(0, 1, 16)[None, :].repeat(16, axis=0)[None].astype(np.float32)
    assert np.allclose(scanner_blur(smooth, river.scanner_blur)[0, :, 1:-1], smooth[0, :, 1:-1])


def test_no_texture_hospital_gap_says_next_to_nothing(elsewhere):
    says("10", "AUROC still carries over (r = 0.83), but a model's gap at the training sites says next to nothing about its gap at this hospital (r = 0.17, with an interval that spans zero).")  # fmt: skip
    corr = correlations(elsewhere)
    assert corr.loc["auroc", "r"] > 0.5 and corr.loc["auroc", "low"] > 0, corr
    assert abs(corr.loc["gap", "r"]) < 0.3, corr
    assert corr.loc["gap", "low"] < 0 < corr.loc["gap", "high"], corr


def test_takeaway_gap_weaker_guide_than_auroc(results, elsewhere):
    says("10", "Here a gap measured at the development hospitals was a weaker guide to the gap at another one than AUROC was to AUROC, and almost none where the new hospital's scanner broke a shortcut the models relied on")  # fmt: skip
    for frame in (results, elsewhere):
        corr = correlations(frame)
        assert corr.loc["gap", "r"] < corr.loc["auroc", "r"], corr
    assert abs(correlations(elsewhere).loc["gap", "r"]) < 0.3


def test_selection_rules(results):
    says("10", "The smallest gap at the training sites (ReSample, h=32) gave a gap of 0.035 at river, about the family median (0.038); the best possible in hindsight was 0.003. The least-encoding rule picked the tiniest network, because every other model encodes race almost perfectly (the line above), and it did worst (0.181, with the lowest AUROC). Unlike in Yang et al., least encoding was not the better bet on this cohort")  # fmt: skip
    says("10", "Which model is fairest at the new hospital is decided by something the training sites could not show.")  # fmt: skip
    rules = m3h.compare_selection_rules(results)
    smallest, least = rules.loc["smallest ID gap"], rules.loc["least encoding"]
    median = rules.loc["family median", "ood_gap"]
    assert smallest["model"] == "h=32 resample", rules
    assert abs(smallest["ood_gap"] - median) < 0.01, rules
    assert rules.loc["oracle (smallest OOD gap)", "model"] != smallest["model"], rules
    assert least["model"].startswith("h=4 "), rules  # the family's smallest hidden layer
    others = results.loc[results["model"] != least["model"], "encoding"]
    assert others.min() > 0.99, others
    assert least["ood_gap"] == results["ood_gap"].max(), rules
    assert least["ood_auroc"] == results["ood_auroc"].min(), rules
    assert least["ood_gap"] > smallest["ood_gap"], rules
