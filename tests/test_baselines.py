"""Single-task baselines: every problem class, any modalities, evaluate-ready predictions."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

import m3h_lite as m3h


@pytest.fixture(scope="module")
def fitted(small_cohort):
    split = m3h.split_patients(small_cohort, seed=0)
    train, test = small_cohort.subset(split.train), small_cohort.subset(split.test)
    tasks = ["sepsis", "type2_diabetes", "disposition", "length_of_stay", "phenotype"]
    baselines = m3h.fit_single_task_baselines(train, tasks=tasks)
    return train, test, baselines


def test_predictions_cover_every_problem_class(fitted):
    _, test, baselines = fitted
    predictions = baselines.predict(test)
    n = len(test)
    assert predictions["sepsis"].shape == (n,)
    assert predictions["disposition"].shape == (n, 4)
    assert np.allclose(predictions["disposition"].sum(axis=1), 1)
    assert (predictions["length_of_stay"] > 0).all()
    assert predictions["phenotype"].dtype.kind == "i"
    assert set(np.unique(predictions["phenotype"])) <= set(range(5))
    table = m3h.evaluate(test, predictions, features=baselines.transform(test))
    assert table["value"].notna().all()
    assert set(table["task"]) == set(predictions)


def test_baselines_learn_something_real(fitted):
    _, test, baselines = fitted
    table = m3h.evaluate(test, baselines.predict(test), against="true").set_index(
        ["task", "metric"]
    )
    assert table.loc[("sepsis", "auroc"), "value"] > 0.8
    assert table.loc[("type2_diabetes", "auroc"), "value"] > 0.7
    assert table.loc[("length_of_stay", "r2"), "value"] > 0.2
    assert table.loc[("phenotype", "adjusted_rand"), "value"] > 0.05
    # The truth is the ceiling: a baseline does not beat the Bayes-optimal AUROC.
    auroc = table.xs("auroc", level="metric")
    assert (auroc["value"] <= auroc["ceiling"] + 0.02).all()


def test_modalities_matter(fitted):
    train, test, _ = fitted
    labs = m3h.fit_single_task_baselines(train, tasks=["type2_diabetes"], modalities=["tabular"])
    images = m3h.fit_single_task_baselines(train, tasks=["type2_diabetes"], modalities=["images"])
    score = {
        name: m3h.evaluate(test, model.predict(test), metrics=["auroc"])["value"].iloc[0]
        for name, model in [("labs", labs), ("images", images)]
    }
    assert score["labs"] > score["images"] + 0.1


def test_other_models(fitted):
    train, test, _ = fitted
    boosted = m3h.fit_single_task_baselines(
        train, tasks=["sepsis"], modalities=["tabular"], model="boosting"
    )
    assert m3h.evaluate(test, boosted.predict(test), metrics=["auroc"])["value"].iloc[0] > 0.75
    mixture = m3h.fit_single_task_baselines(
        train, tasks=["phenotype"], modalities=["tabular"], model="mixture"
    )
    assert mixture.predict(test)["phenotype"].shape == (len(test),)


def test_bad_requests_are_refused(fitted):
    train, _, _ = fitted
    with pytest.raises(ValueError, match="model must be one of"):
        m3h.SingleTaskBaselines(model="deep")
    with pytest.raises(KeyError, match="Unknown task"):
        m3h.fit_single_task_baselines(train, tasks=["flu"])
    with pytest.raises(NotFittedError, match="fit"):
        m3h.SingleTaskBaselines().predict(train)
    negatives = np.flatnonzero(train.labels["diabetic_ketoacidosis"].to_numpy() == 0)[:200]
    with pytest.raises(ValueError, match="single class"):
        m3h.fit_single_task_baselines(
            train.subset(negatives), tasks=["diabetic_ketoacidosis"], modalities=["tabular"]
        )
