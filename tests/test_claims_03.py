"""Claims of notebook 03 (multimodal fusion), recomputed through the public API.

The notebook's split, seed and models: one ``fit_fusion`` per world in a module-scoped
fixture, shared by every test. Statements about this test set are checked on the shipped
cohort; statements about the hospital's design also on the fresh worlds.
"""

import numpy as np
import pytest
from claims_support import WORLDS, says
from claims_support import fast_auroc as _auroc

import m3h_lite as m3h
from m3h_lite.classical.fusion import modality_subsets

MODALITIES = ("tabular", "timeseries", "notes", "images")


@pytest.fixture(scope="module")
def fused(world):
    cache = {}

    def get(key):
        if key not in cache:
            cohort = world(key)
            split = m3h.split_patients(cohort, seed=0)
            train, test = cohort.subset(split.train), cohort.subset(split.test)
            # The binary tasks only: compare_fusion and modality_shapley score AUROC, and
            # each task's models are fitted alone, so this equals the notebook's fit there.
            fusion = m3h.fit_fusion(train, test, seed=0, tasks=cohort.tasks.of_class("binary"))
            cache[key] = dict(
                cohort=cohort,
                train=train,
                test=test,
                fusion=fusion,
                table=m3h.compare_fusion(test, fusion),
                shapley=m3h.modality_shapley(test, fusion),
            )
        return cache[key]

    return get


def _wins(table):
    return table[["early", "late", "stacked"]].gt(table["best_single"], axis=0).sum()


def test_naive_fusion_disappoints_stacking_wins_most(fused):
    says(
        "03",
        "Naive fusion disappoints: for most tasks one modality already carries most of the signal",
    )
    says("03", "**Stacking** learns the weights, and wins most tasks.")
    table = fused("shipped")["table"]
    wins, n = _wins(table), len(table)
    assert wins["stacked"] > n / 2 >= max(wins["early"], wins["late"]), wins.to_dict()
    best_fused = table[["early", "late", "stacked"]].max(axis=1)
    share = (table["best_single"] - 0.5) / (best_fused.clip(lower=table["best_single"]) - 0.5)
    assert (share > 0.9).sum() > n / 2, share.round(3).to_dict()


@pytest.mark.parametrize("key", WORLDS)
def test_naive_fusion_often_loses_stacking_beats_best_single_on_most(fused, key):
    says("03", "naive early or late fusion often loses to the single best modality")
    says("03", "beats the best single modality on most tasks, usually by a point or two of AUROC.")
    table = fused(key)["table"]
    wins, n = _wins(table), len(table)
    assert wins["early"] <= 2 * n / 3 and wins["late"] <= 2 * n / 3, wins.to_dict()
    assert wins["stacked"] > n / 2, wins.to_dict()
    gain = table["stacked"] - table["best_single"]
    won = gain[gain > 0]
    assert 0.003 < won.median() < 0.02 and won.max() < 0.03, won.round(3).to_dict()


def test_noise_modalities_for_diabetes_and_sepsis_dozens_of_features(fused):
    says(
        "03",
        "early fusion adds\ndozens of features that are noise *for that task* (the notes' word counts for diabetes, the image components for\nsepsis)",
    )
    says("03", "with a few dozen to a few hundred training positives per task")
    f = fused("shipped")
    table = f["table"]
    assert table.loc["type2_diabetes", "notes"] < 0.6, table.loc["type2_diabetes"]
    assert table.loc["sepsis", "images"] < 0.6, table.loc["sepsis"]
    train = f["train"]
    n_notes = m3h.NoteFeatures().fit(train).transform(train).shape[1]
    n_images = m3h.ImageFeatures().fit(train).transform(train).shape[1]
    assert n_notes >= 24 and n_images >= 24, (n_notes, n_images)
    positives = train.labels[list(train.tasks.diagnoses)].sum()
    assert 24 <= positives.min() < 100 and 100 < positives.max() < 1000, positives.to_dict()


def test_stacking_weights_read_like_trust(fused):
    says(
        "03",
        "Diabetes leans on the labs (glucose, HbA1c), sepsis on the monitor, dementia on the notes as much as on the labs.",
    )
    says("03", "A negative weight (the images for sepsis)")
    fusion = fused("shipped")["fusion"]
    diabetes, sepsis, dementia = (
        fusion.stacking_weights(t) for t in ("type2_diabetes", "sepsis", "dementia")
    )
    assert diabetes.idxmax() == "tabular", diabetes.to_dict()
    assert sepsis.idxmax() == "timeseries", sepsis.to_dict()
    assert sepsis["images"] < 0, sepsis.to_dict()
    top_two = set(dementia.nlargest(2).index)
    assert top_two == {"notes", "tabular"}, dementia.to_dict()
    assert abs(dementia["notes"] - dementia["tabular"]) < 0.2 * dementia.max(), dementia.to_dict()


def test_stacking_gains_small_and_within_test_set_uncertainty(fused):
    says(
        "03",
        "The gains of stacking over the best single source are small here (a point or two of AUROC at most)",
    )
    says("03", "within the uncertainty of a single test set for many tasks")
    f = fused("shipped")
    table, test, fusion = f["table"], f["test"], f["fusion"]
    gain = table["stacked"] - table["best_single"]
    assert 0.005 < gain.max() < 0.025, gain.round(3).to_dict()
    stacked = fusion.predict(how="stacked")
    singles = {m: fusion.predict([m]) for m in fusion.modalities}
    undecided = 0
    for task in table.index:
        best = table.loc[task, list(fusion.modalities)].astype(float).idxmax()
        y = test.labels[task].to_numpy().astype(int)

        def difference(y, a, b):
            return _auroc(y, a) - _auroc(y, b)

        low, high, _ = m3h.bootstrap_ci(
            difference, y, stacked[task], singles[best][task], n_bootstrap=100, seed=0
        )
        undecided += low < 0 < high
    assert undecided >= len(table) / 2, f"only {undecided} of {len(table)} within uncertainty"


def test_sixteen_coalitions_shapley_adds_up_to_gain_over_chance(fused):
    says("03", "With four modalities there are 2⁴ = 16 coalitions per task")
    says("03", "they add up to the full model's AUROC minus 0.5")
    says("03", "they add up to the full model's gain over chance.")
    f = fused("shipped")
    assert len(m3h.MODALITIES) == 4
    assert len(modality_subsets(m3h.MODALITIES)) + 1 == 16
    total = f["shapley"][list(MODALITIES)].sum(axis=1)
    assert np.allclose(total, f["table"]["stacked"] - 0.5, atol=1e-9)


def test_monitor_and_image_share_heart_failure(fused):
    says(
        "03",
        "the monitor and the chest image both show the\nheart, so they share the credit for heart failure.",
    )
    hf = fused("shipped")["shapley"].loc["heart_failure", list(MODALITIES)].astype(float)
    assert set(hf.nlargest(2).index) == {"timeseries", "images"}, hf.to_dict()
    assert hf["images"] > 0.7 * hf["timeseries"] and hf["timeseries"] > 0.7 * hf["images"]


@pytest.mark.parametrize("key", WORLDS)
def test_shapley_follows_the_biology(fused, key):
    says("03", "**Nephrology and Endocrinology** belong to the labs")
    says("03", "**Cardiology and Pulmonology** go to the monitor first and the image second.")
    says("03", "**Atrial fibrillation** gets\nits biggest share from the time series")
    says("03", "labs for kidney and diabetes, monitor and image for heart\n  and lungs")
    shapley = fused(key)["shapley"]
    department = shapley.groupby("department")[list(MODALITIES)].mean()
    for name in ("Nephrology", "Endocrinology"):
        assert department.loc[name].idxmax() == "tabular", department.loc[name].to_dict()
    for name in ("Cardiology", "Pulmonology"):
        order = list(department.loc[name].sort_values(ascending=False).index[:2])
        assert order == ["timeseries", "images"], department.loc[name].to_dict()
    af = shapley.loc["atrial_fibrillation", list(MODALITIES)].astype(float)
    assert af.idxmax() == "timeseries", af.to_dict()


def test_infectious_split_between_monitor_and_labs(fused):
    says("03", "**Infectious\ndiseases** split between monitor and labs.")
    row = fused("shipped")["shapley"].groupby("department")[list(MODALITIES)].mean()
    infectious = row.loc["Infectious Diseases"]
    assert set(infectious.nlargest(2).index) == {"tabular", "timeseries"}, infectious.to_dict()
    assert infectious[["tabular", "timeseries"]].min() > 2 * infectious[["notes", "images"]].max()


def test_notes_win_only_for_dementia_narrowly_small_for_stroke(fused):
    says("03", "on this test set the notes win only for dementia, and narrowly")
    says("03", "The notes' share for stroke stays small too")
    shapley = fused("shipped")["shapley"]
    neurology = shapley[shapley["department"] == "Neurology"][list(MODALITIES)].astype(float)
    top = neurology.idxmax(axis=1)
    assert top[top == "notes"].index.tolist() == ["dementia"], top.to_dict()
    dementia = neurology.loc["dementia"].sort_values(ascending=False)
    assert dementia.iloc[0] - dementia.iloc[1] < 0.01, dementia.to_dict()
    stroke = neurology.loc["ischemic_stroke"]
    assert stroke["notes"] < 0.5 * stroke[["tabular", "timeseries"]].min(), stroke.to_dict()


@pytest.mark.parametrize("key", WORLDS)
def test_neurological_factor_correlated_stroke_words_in_a_minority(world, key):
    says(
        "03",
        "the neurological factor is\ncorrelated with other factors the labs and the monitor measure well",
    )
    says(
        "03",
        "appear, not negated, in only a minority of the stroke\npatients' notes, and in some other patients' notes too.",
    )
    cohort = world(key)
    corr = cohort.truth.factors.corr()["neurological"]
    assert corr[["cardiovascular", "renal", "infection"]].min() > 0.2, corr.round(2).to_dict()
    marked = cohort.notes.map(m3h.mark_negations)
    mention = marked.str.contains(r"(?<!no_)\bslurred|(?<!no_)\bone-sided", regex=True)
    stroke = cohort.truth.labels["ischemic_stroke"].to_numpy() == 1
    assert mention[stroke].mean() < 0.5, mention[stroke].mean()
    assert 0.02 < mention[~stroke].mean() < mention[stroke].mean(), mention[~stroke].mean()


def test_pneumonia_private_cause_hard_for_linear_image_model(fused):
    says(
        "03",
        "Pneumonia's private\ncause, a consolidation at a random place on the film, is hard for a *linear* model on principal components to\nfind",
    )
    f = fused("shipped")
    table, shapley = f["table"], f["shapley"]
    assert table.loc["pneumonia", "images"] < table.loc["pneumonia", "timeseries"]
    assert table.loc["pneumonia", "images"] < table.loc["heart_failure", "images"] - 0.05
    private = f["cohort"].tasks["pneumonia"].private_modality
    assert private == "images", private
    assert shapley.loc["pneumonia", "images"] < shapley.loc["heart_failure", "images"]


def test_notes_add_little_to_most_diagnoses(fused):
    says("03", "Notes add little to most diagnoses here")
    f = fused("shipped")
    shapley = f["shapley"].loc[list(f["cohort"].tasks.diagnoses), list(MODALITIES)].astype(float)
    little = shapley["notes"] < shapley[["tabular", "timeseries"]].min(axis=1)
    assert little.sum() > 0.75 * len(shapley), little.to_dict()
