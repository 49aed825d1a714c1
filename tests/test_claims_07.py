"""Claims tests for notebook 07 (beyond binary): metrics per problem class and the learned
phenotype clusters, recomputed at reduced size (a smaller network, pooled images, at most
20 epochs) on the shipped cohort."""

import numpy as np
import pandas as pd
import pytest
from claims_support import says

import m3h_lite as m3h

SMALL = {"hidden": 32, "embed_dim": 16, "image_pool": 4, "max_epochs": 20, "verbose": False}


@pytest.fixture(scope="module")
def shipped(world):
    cohort = world("shipped")
    return [cohort.subset(rows) for rows in m3h.split_patients(cohort, seed=0)]


@pytest.fixture(scope="module")
def clusters(shipped):
    train, val, test = shipped
    tasks = train.tasks.diagnoses + [
        "readmission_30d",
        "disposition",
        "length_of_stay",
        "phenotype",
    ]
    model = m3h.M3HModel(tasks=tasks, seed=0, **SMALL).fit(train, val_cohort=val)
    found = model.predict(test)["phenotype"]
    return found, test.truth.phenotype.to_numpy()


def test_accuracy_rewards_always_predicting_the_majority_and_macro_f1_does_not(shipped):
    says("07", "Accuracy alone rewards always predicting the majority.")
    says("07", "so the rare 'died' class counts as much as 'home'")
    _, _, test = shipped
    classes = list(test.tasks["disposition"].classes)
    y = np.array([classes.index(v) for v in test.labels["disposition"]])
    shares = np.bincount(y, minlength=len(classes)) / len(y)
    assert classes[int(shares.argmax())] == "home", dict(zip(classes, shares, strict=True))
    assert shares[classes.index("died")] == shares.min() < 0.1, dict(
        zip(classes, shares, strict=True)
    )
    majority = np.zeros((len(y), len(classes)))
    majority[:, shares.argmax()] = 1.0
    accuracy = m3h.compute_metric("accuracy", y, majority)
    macro_f1 = m3h.compute_metric("macro_f1", y, majority)
    assert accuracy >= 0.4 and macro_f1 <= accuracy / 2, (accuracy, macro_f1)


def test_adjusted_rand_is_zero_for_chance_and_one_for_identical_clusters(shipped):
    says("07", "the adjusted Rand index (0 = chance, 1 = identical)")
    _, _, test = shipped
    truth = pd.factorize(test.truth.phenotype)[0]
    assert m3h.compute_metric("adjusted_rand", truth, truth) == pytest.approx(1.0)
    shuffled = np.random.default_rng(0).permutation(truth)
    assert abs(m3h.compute_metric("adjusted_rand", truth, shuffled)) < 0.02


def test_one_cluster_is_low_acuity_and_others_mix_phenotypes(clusters):
    says("07", "Some clusters line up with one true phenotype (look for the low-acuity patients)")
    says("07", "others mix several")
    found, truth = clusters
    table = pd.crosstab(found, truth)
    purity = table.max(axis=1) / table.sum(axis=1)
    purest = purity.idxmax()
    assert purity.max() >= 0.8, table
    assert table.loc[purest].idxmax() == "low_acuity", table
    assert purity.min() < 0.6, table


def test_the_adjusted_rand_index_stays_well_below_one(clusters):
    says("07", "which is why the adjusted Rand index stays well below 1")
    found, truth = clusters
    ari = m3h.compute_metric("adjusted_rand", pd.factorize(truth)[0], found)
    assert 0 < ari < 0.6, f"adjusted Rand index {ari:.3f}"
