"""Claims of notebook 02 (single-task baselines), recomputed through the public API.

One module-scoped fit per world (the notebook's split and seed) serves every test. The
AUROC bootstrap uses :func:`m3h.bootstrap_ci` with the notebook's seed and a rank-based
AUROC (checked equal to the library's), so the intervals are the notebook's, but faster.
"""

import numpy as np
import pandas as pd
import pytest
from claims_support import WORLDS, says
from claims_support import fast_auroc as _auroc
from scipy import stats
from scipy.special import expit, logit
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, roc_auc_score, silhouette_score

import m3h_lite as m3h

N_BOOTSTRAP = 200  # as in the notebook


@pytest.fixture(scope="module")
def fitted(world):
    cache = {}

    def get(key):
        if key not in cache:
            cohort = world(key)
            split = m3h.split_patients(cohort, seed=0)
            train, val, test = (cohort.subset(s) for s in (split.train, split.val, split.test))
            baselines = m3h.fit_single_task_baselines(train, seed=0)
            predictions = baselines.predict(test)
            metrics = ["auroc", "auprc", "ece", "accuracy", "macro_f1", "r2", "adjusted_rand"]
            results = m3h.evaluate(test, predictions, metrics=metrics)
            auroc = results.query("metric == 'auroc'").set_index("task")
            width = {}
            for task in auroc.index:
                y = test.labels[task].to_numpy().astype(int)
                low, high, _ = m3h.bootstrap_ci(
                    _auroc, y, predictions[task], n_bootstrap=N_BOOTSTRAP, seed=0
                )
                width[task] = high - low
            auroc = auroc.assign(width=pd.Series(width))
            cache[key] = dict(
                cohort=cohort,
                split=split,
                train=train,
                val=val,
                test=test,
                baselines=baselines,
                predictions=predictions,
                results=results,
                auroc=auroc,
                auprc=results.query("metric == 'auprc'").set_index("task"),
            )
        return cache[key]

    return get


def test_fast_auroc_is_the_library_auroc(fitted):
    f = fitted("shipped")
    y = f["test"].labels["sepsis"].to_numpy()
    assert abs(_auroc(y, f["predictions"]["sepsis"]) - f["auroc"].loc["sepsis", "value"]) < 1e-12


def test_split_60_20_20_no_patient_twice(fitted):
    says("02", "60 % of the patients to train, 20 % to validate (later notebooks),")
    says("02", "20 % to test. No patient appears in two parts.")
    f = fitted("shipped")
    n = len(f["cohort"])
    sizes = f["split"].sizes()
    assert sizes == {"train": 0.6 * n, "val": 0.2 * n, "test": 0.2 * n}, sizes
    parts = [set(f["cohort"].patient_ids[s]) for s in (f["split"].train, f["split"].val)]
    parts.append(set(f["test"].patient_ids))
    assert not (parts[0] & parts[1] or parts[0] & parts[2] or parts[1] & parts[2])


def test_tabular_features_log_skewed_labs_one_hot_no_race(fitted):
    says("02", "right-skewed labs such as creatinine or troponin are log-transformed")
    says("02", "and sex and insurance are one-hot encoded. Race is left out on purpose")
    f = fitted("shipped")
    tabular = m3h.TabularFeatures().fit(f["train"])
    assert {"creatinine_mg_dL", "troponin_ng_L"} <= set(tabular.log_columns_)
    skew = f["train"].tabular[["creatinine_mg_dL", "troponin_ng_L"]].skew()
    assert (skew > 1).all(), f"not right-skewed: {skew.to_dict()}"
    names = " ".join(map(str, tabular.get_feature_names_out()))
    assert "sex" in names and "insurance" in names and "Medicaid" in names, names
    assert "race" not in names.lower() and "Black" not in names, names


@pytest.mark.parametrize("key", WORLDS)
def test_race_shifts_disease_risk_only_slightly(world, key):
    says("02", "in this hospital it shifts disease risk only slightly (a small")
    cohort = world(key)
    factors = cohort.truth.factors
    race = cohort.groups["race_ethnicity"]
    means = factors.groupby(race, observed=True).mean()
    shift = (means - means.loc["White"]) / factors.std()
    assert shift.abs().to_numpy().max() < 0.35, f"race shifts factors by {shift.round(2)}"
    assert shift.abs().to_numpy().max() > 0.05, "no race difference at all: say so instead"


@pytest.mark.parametrize("key", WORLDS)
def test_irregular_heart_rate_shows_in_hourly_change_more_than_mean(world, key):
    says("02", "(an irregular heart rate shows there more clearly than in the mean)")
    cohort = world(key)
    hr = cohort.timeseries[:, :, list(cohort.timeseries_channels).index("heart_rate_bpm")]
    af = cohort.truth.labels["atrial_fibrillation"].to_numpy()
    change = roc_auc_score(af, np.abs(np.diff(hr, axis=1)).mean(axis=1))
    mean = roc_auc_score(af, hr.mean(axis=1))
    assert change > mean + 0.02, f"hourly change AUROC {change:.3f}, mean {mean:.3f}"


def test_negated_findings_do_not_count():
    says("02", 'so that "denies chest pain" does not count as chest pain')
    marked = m3h.mark_negations("59m adm for fever. denies chest pain.")
    assert "no_chest no_pain" in marked and " chest pain" not in marked, marked


@pytest.mark.parametrize("key", WORLDS)
def test_most_diagnoses_auroc_between_08_and_09(fitted, key):
    says("02", "most diagnoses rank well (the first line above: AUROC between 0.8 and 0.9)")
    says("02", "baseline: most diagnoses reach AUROC 0.8–0.9.")
    f = fitted(key)
    dx = f["auroc"].loc[list(f["cohort"].tasks.diagnoses), "value"]
    in_band = dx.between(0.8, 0.9).sum()
    assert in_band > len(dx) / 2, f"only {in_band} of {len(dx)}: {dx.round(3).to_dict()}"


def test_lowest_tasks_and_lowest_ceilings(fitted):
    says("02", "the others less so, readmission, cellulitis and dementia least")
    says("02", "low** (readmission, cellulitis and dementia, the second line)")
    auroc = fitted("shipped")["auroc"]
    named = {"readmission_30d", "cellulitis", "dementia"}
    assert set(auroc["value"].nsmallest(3).index) == named, auroc["value"].nsmallest(4)
    assert set(auroc["ceiling"].nsmallest(3).index) == named, auroc["ceiling"].nsmallest(4)
    assert (auroc["ceiling"].nsmallest(3) < 0.8).all()


def test_a_model_can_land_a_hair_above_the_ring(fitted):
    says("02", "a model can land a hair above it.")
    auroc = fitted("shipped")["auroc"]
    above = auroc["value"] - auroc["ceiling"]
    assert 0 < above.max() < 0.01, above.sort_values().tail(3)


@pytest.mark.parametrize("key", WORLDS)
def test_intervals_wider_where_positives_fewer(fitted, key):
    says("02", "they tend to be wider where positives are fewer.")
    auroc = fitted(key)["auroc"]
    rho = stats.spearmanr(auroc["n_positive"], auroc["width"]).statistic
    assert rho < -0.4, f"Spearman(n positives, interval width) = {rho:.2f}"


def test_rare_diseases_few_positives_low_auprc_widest_intervals(fitted):
    says("02", "The rare diseases have only about 20 to 30 positives among the test patients")
    says("02", "for diabetic ketoacidosis and cellulitis only a few times their prevalence")
    says("02", "and those two have the widest AUROC")
    says("02", "about twice as wide as those of the common tasks")
    f = fitted("shipped")
    auroc, auprc, test = f["auroc"], f["auprc"], f["test"]
    dx = list(test.tasks.diagnoses)
    rarest = auroc.loc[dx, "n_positive"].nsmallest(5)
    assert rarest.min() >= 15 and rarest.max() <= 35, rarest
    prevalence = test.labels[auprc.index].mean()
    times = (auprc["value"] / prevalence)[["diabetic_ketoacidosis", "cellulitis"]]
    assert ((times > 1) & (times < 4)).all(), times
    assert set(auroc["width"].nlargest(2).index) == {"diabetic_ketoacidosis", "cellulitis"}
    common = auroc.loc[auroc["n_positive"] >= 60, "width"]
    ratio = auroc.loc[["diabetic_ketoacidosis", "cellulitis"], "width"] / common.max()
    assert ((ratio > 1.7) & (ratio < 3)).all(), ratio


@pytest.mark.parametrize("key", WORLDS)
def test_rare_diseases_low_auprc_wide_intervals_most_to_gain(fitted, key):
    says("02", "rare diseases are where a better model has most to gain")
    says("02", "Rare diseases have few positives: low AUPRC and wide intervals.")
    f = fitted(key)
    auroc, auprc = f["auroc"], f["auprc"]
    dx = list(f["cohort"].tasks.diagnoses)
    rare = auroc.loc[dx, "n_positive"].nsmallest(5).index
    rest = [t for t in dx if t not in rare]
    gap = auprc["ceiling"] - auprc["value"]
    assert gap[rare].mean() > gap[rest].mean(), (gap[rare].mean(), gap[rest].mean())
    assert auprc.loc[rare, "value"].mean() < auprc.loc[rest, "value"].mean()
    assert auroc.loc[rare, "width"].mean() > 1.2 * auroc.loc[rest, "width"].mean()


def test_no_skill_auprc_is_the_prevalence(fitted):
    says("02", "a model with no skill gets the prevalence, not 0.5")
    test = fitted("shipped")["test"]
    y = test.labels["diabetic_ketoacidosis"].to_numpy()
    rng = np.random.default_rng(0)
    random_auprc = np.mean([m3h.compute_metric("auprc", y, rng.random(len(y))) for _ in range(50)])
    assert abs(random_auprc - y.mean()) < 0.015, (random_auprc, y.mean())


def test_calibration_near_diagonal_bins_of_80_heart_failure_under_predicted(fitted):
    says(
        "02",
        "Here the points lie near the diagonal (the ECE of these three tasks is printed above)",
    )
    says("02", "from bins of 80 patients; heart failure's second-highest bin is under-predicted")
    f = fitted("shipped")
    ece = f["results"].query("metric == 'ece'").set_index("task")["value"]
    shown = ece[["heart_failure", "sepsis", "type2_diabetes"]]
    assert (shown < 0.04).all(), shown
    bins = m3h.reliability_curve(
        f["test"].labels["heart_failure"], f["predictions"]["heart_failure"], strategy="quantile"
    )
    assert (bins["count"] == 80).all(), bins["count"].tolist()
    second = bins.iloc[-2]
    assert second["observed"] - second["mean_predicted"] > 0.08, second


def test_recalibration_fixes_level_not_ranking(fitted):
    says("02", "Recalibrating on local data fixes the level without changing the ranking.")
    f = fitted("shipped")
    task = "sepsis"
    # A "new hospital" whose model over-predicts: shift every log-odds up.
    val_p = expit(logit(f["baselines"].predict(f["val"])[task]) + 1.5)
    test_p = expit(logit(f["predictions"][task]) + 1.5)
    y_val, y_test = f["val"].labels[task].to_numpy(), f["test"].labels[task].to_numpy()
    platt = LogisticRegression().fit(logit(val_p)[:, None], y_val)
    fixed = platt.predict_proba(logit(test_p)[:, None])[:, 1]
    before = m3h.expected_calibration_error(y_test, test_p)
    after = m3h.expected_calibration_error(y_test, fixed)
    assert after < 0.5 * before, (before, after)
    assert abs(_auroc(y_test, fixed) - _auroc(y_test, test_p)) < 1e-12


def test_disposition_accuracy_from_going_home_rare_outcomes_poor(fitted):
    says("02", "Accuracy of the disposition looks respectable only because most patients go home")
    says(
        "02",
        "shows the rare ones (skilled nursing, death) are poorly predicted, even by the truth's",
    )
    f = fitted("shipped")
    test, results = f["test"], f["results"].set_index(["task", "metric"])
    y = test.labels["disposition"]
    home = (y == "home").mean()
    accuracy = results.loc[("disposition", "accuracy"), "value"]
    assert home > 0.5 and 0 < accuracy - home < 0.05, (home, accuracy)
    classes = list(test.tasks["disposition"].classes)
    model = np.asarray(classes)[np.asarray(f["predictions"]["disposition"]).argmax(axis=1)]
    truth = np.asarray(classes)[test.truth.disposition_probabilities.to_numpy().argmax(axis=1)]
    for guess in (model, truth):
        f1 = dict(zip(classes, f1_score(y, guess, labels=classes, average=None), strict=True))
        assert max(f1["skilled_nursing"], f1["died"]) < 0.4 < f1["home"], f1


@pytest.mark.parametrize("key", WORLDS)
def test_length_of_stay_expected_stay_explains_only_part(world, key):
    says("02", "the generator's expected stay explains only part of the")
    cohort = world(key)
    stay = cohort.labels["length_of_stay"]
    expected = cohort.truth.expected_length_of_stay
    r2 = 1 - ((stay - expected) ** 2).sum() / ((stay - stay.mean()) ** 2).sum()
    assert 0.3 < r2 < 0.9, f"expected stay explains R² = {r2:.2f}"


@pytest.mark.parametrize("key", WORLDS)
def test_kmeans_agrees_weakly_phenotypes_overlap_in_every_modality(fitted, key):
    says("02", "The clusters found by k-means agree weakly with the true phenotypes")
    says("02", "phenotypes overlap in every\nmodality")
    f = fitted(key)
    ari = f["results"].set_index(["task", "metric"]).loc[("phenotype", "adjusted_rand"), "value"]
    assert 0.1 < ari < 0.5, f"adjusted Rand {ari:.3f}"
    features = f["baselines"].transform(f["test"])
    phenotype = f["test"].truth.phenotype
    for modality in f["cohort"].modalities:
        columns = f["baselines"].features_.columns([modality])
        s = silhouette_score(features[:, columns], phenotype)
        assert s < 0.15, f"true phenotypes well separated in {modality}: silhouette {s:.3f}"


def test_recorded_and_true_auroc_differ_a_few_hundredths_both_ways(fitted):
    says("02", "The two columns differ by a few hundredths, in both directions (the line above).")
    f = fitted("shipped")
    true = m3h.evaluate(f["test"], f["predictions"], against="true", metrics=["auroc"])
    shift = true.set_index("task")["value"] - f["auroc"]["value"]
    assert shift.min() < -0.01 and shift.max() > 0.01, shift.round(3).to_dict()
    assert shift.abs().max() < 0.08, shift.round(3).to_dict()
