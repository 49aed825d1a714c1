"""Fusion beats single modalities, and Shapley values rank modalities as the generator built them.

The expected ranking is derived from the ground truth, not hard-coded: for each diagnosis,
how much of its *true* log-odds (``cohort.truth.probabilities``, i.e. the generator's
loadings on the latent factors plus its private cause) a linear read-out of each modality
recovers. A modality that shows the factors a disease loads on must be the one its
Shapley value credits.
"""

import numpy as np
import pandas as pd
import pytest
from scipy.special import logit
from sklearn.linear_model import Ridge

import m3h_lite as m3h
from m3h_lite.classical.fusion import compare_fusion, fit_fusion, modality_subsets, subset_label
from m3h_lite.classical.shapley import modality_shapley, shapley_values, subset_scores

MODALITIES = m3h.MODALITIES


@pytest.fixture(scope="module")
def world():
    cohort = m3h.generate_cohort(4000, seed=21)
    split = m3h.split_patients(cohort, val_size=0.1, test_size=0.4, seed=0)
    train, test = cohort.subset(split.train), cohort.subset(split.test)
    fusion = fit_fusion(train, test, tasks=cohort.tasks.diagnoses)
    return cohort, train, test, fusion


@pytest.fixture(scope="module")
def shapley(world):
    _, _, test, fusion = world
    return modality_shapley(test, fusion, against="true")


def _readability(train, test) -> pd.DataFrame:
    """R² of each diagnosis' true log-odds from each modality's features (ground truth)."""
    features = m3h.ModalityFeatures().fit(train)
    x_train, x_test = features.transform(train), features.transform(test)
    out = {}
    for modality in MODALITIES:
        cols = features.columns([modality])
        scores = {}
        for task in train.tasks.diagnoses:
            y_train = logit(train.truth.probabilities[task].to_numpy())
            y_test = logit(test.truth.probabilities[task].to_numpy())
            model = Ridge(alpha=10.0).fit(x_train[:, cols], y_train)
            scores[task] = model.score(x_test[:, cols], y_test)
        out[modality] = scores
    return pd.DataFrame(out)


def test_stacked_fusion_beats_the_best_single_modality_on_most_diagnoses(world):
    _, _, test, fusion = world
    table = compare_fusion(test, fusion, against="true")
    wins = (table["stacked"] > table["best_single"]).sum()
    assert wins > len(table) / 2, table
    # ... and it never falls far behind, while naive early fusion can.
    assert (table["stacked"] - table["best_single"]).min() > -0.05


def test_shapley_top_modality_matches_ground_truth(world, shapley):
    _, train, test, _ = world
    expected = _readability(train, test).idxmax(axis=1)
    observed = shapley[list(MODALITIES)].idxmax(axis=1)
    agree = (expected == observed).mean()
    assert agree >= 0.75, pd.DataFrame({"expected": expected, "shapley": observed})


def test_department_design_is_recovered(world, shapley):
    """Kidney and glucose metabolism are laboratory diseases; heart and lung show at the
    bedside monitor and on the X-ray; the neurological factor hardly shows in the images."""
    cohort = world[0]
    top = shapley[list(MODALITIES)].idxmax(axis=1)
    for task in cohort.tasks.diagnoses:
        department = cohort.tasks[task].department
        if department in ("Nephrology", "Endocrinology"):
            assert top[task] == "tabular", (task, shapley.loc[task])
        if department in ("Cardiology", "Pulmonology"):
            assert top[task] in ("timeseries", "images"), (task, shapley.loc[task])
    neurology = shapley[shapley["department"] == "Neurology"]
    assert (neurology["images"] < neurology[["tabular", "timeseries", "notes"]].max(axis=1)).all()


def test_private_cause_raises_its_modality(world, shapley):
    """A disease with a private cause seen by one modality gets more credit from that
    modality than its department's other diseases do (relative to the total)."""
    cohort = world[0]
    share = shapley[list(MODALITIES)].div(shapley[list(MODALITIES)].sum(axis=1), axis=0)
    checked = 0
    for task in cohort.tasks.diagnoses:
        spec = cohort.tasks[task]
        if spec.private_modality not in ("timeseries", "tabular"):
            continue  # notes' stroke words and the images' opacities are faint: see notebook 03
        siblings = [
            t
            for t in cohort.tasks.diagnoses
            if cohort.tasks[t].department == spec.department and t != task
        ]
        assert (
            share.loc[task, spec.private_modality]
            > share.loc[siblings, spec.private_modality].mean()
        )
        checked += 1
    assert checked == 2


def test_shapley_values_are_exact_on_known_games():
    players = ("a", "b", "c")
    rows = {"none": 0.5}
    weights = {"a": 0.1, "b": 0.2, "c": 0.05}
    for subset in modality_subsets(players):
        rows[subset_label(subset)] = 0.5 + sum(weights[p] for p in subset)
    scores = pd.DataFrame({"task": rows})
    values = shapley_values(scores, modalities=players)
    assert values.loc["task"].to_dict() == pytest.approx(weights)
    # A redundant pair splits its shared value equally; efficiency holds.
    rows = {"none": 0.5}
    for subset in modality_subsets(players):
        rows[subset_label(subset)] = 0.5 + (0.3 if {"a", "b"} & set(subset) else 0.0)
    values = shapley_values(pd.DataFrame({"task": rows}), modalities=players).loc["task"]
    assert values["a"] == pytest.approx(0.15) and values["b"] == pytest.approx(0.15)
    assert values["c"] == pytest.approx(0.0)
    with pytest.raises(ValueError, match="missing"):
        shapley_values(pd.DataFrame({"task": {"none": 0.5, "a": 0.6}}), modalities=players)


def test_shapley_efficiency_on_real_models(world):
    _, _, test, fusion = world
    scores = subset_scores(test, fusion, against="true")
    values = shapley_values(scores, modalities=fusion.modalities)
    full = scores.loc[subset_label(fusion.modalities)]
    assert np.allclose(values.sum(axis=1), full - 0.5)


def test_fusion_predictions_have_the_evaluate_format(world):
    _, _, test, fusion = world
    for how in ("early", "late", "stacked"):
        predictions = fusion.predict(["tabular", "notes"], how=how)
        assert set(predictions) == set(fusion.tasks)
        for p in predictions.values():
            assert p.shape == (len(test),) and np.all((p >= 0) & (p <= 1))
    weights = fusion.stacking_weights("type2_diabetes")
    assert weights.idxmax() == "tabular"


def test_fusion_refuses_bad_requests(world):
    cohort, train, test, fusion = world
    with pytest.raises(ValueError, match="non-empty subset"):
        fusion.predict(["xray"])
    with pytest.raises(ValueError, match="Unknown fusion"):
        fusion.predict(how="average")
    with pytest.raises(ValueError, match="clustering"):
        fit_fusion(train, test, tasks=["phenotype"])


def test_fusion_results_keep_the_cohort_they_predict(world):
    """Another cohort of the same size would silently pair predictions with other patients."""
    cohort, train, test, fusion = world
    same_size_other_patients = cohort.subset(np.arange(len(test)))
    with pytest.raises(ValueError, match="fit_fusion"):
        compare_fusion(same_size_other_patients, fusion)
    with pytest.raises(ValueError, match="fit_fusion"):
        modality_shapley(same_size_other_patients, fusion)


def test_haim_style_early_fusion_shapley_agrees_on_the_lab_diseases(world):
    """HAIM refit one model per coalition (early fusion); the lab diseases still go to labs."""
    cohort, _, test, fusion = world
    early = modality_shapley(test, fusion, how="early", against="true")
    top = early[list(MODALITIES)].idxmax(axis=1)
    for task in cohort.tasks.diagnoses:
        if cohort.tasks[task].department in ("Nephrology", "Endocrinology"):
            assert top[task] == "tabular", (task, early.loc[task])
    scores = subset_scores(test, fusion, how="early", against="true")
    assert np.allclose(
        early[list(MODALITIES)].sum(axis=1), scores.loc[subset_label(MODALITIES)] - 0.5
    )
