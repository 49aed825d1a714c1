"""Claims tests for notebook 06 (explaining task interactions): pairwise TIM on the
notebook's five diagnoses, recomputed at reduced size (one training seed instead of two,
pooled images) on the shipped cohort and two fresh worlds."""

import numpy as np
import pytest
from claims_support import WORLDS, says
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score

import m3h_lite as m3h

TASKS = ["heart_failure", "copd_exacerbation", "pneumonia", "sepsis", "acute_kidney_injury"]
SMALL = {"embed_dim": 16, "hidden": 32, "max_epochs": 12, "image_pool": 4}


def _splits(cohort):
    train, val, test = (cohort.subset(rows) for rows in m3h.split_patients(cohort, seed=0))
    return train.subset(np.arange(800)), val, test


@pytest.fixture(scope="module")
def tim(world):
    """``tim(key)`` -> (pairwise TIM matrix, true task relations), one seed, cached."""
    cache = {}

    def get(key):
        if key not in cache:
            cohort = world(key)
            train, val, test = _splits(cohort)
            scorer = m3h.TaskSubsetScorer(
                train, test, val_cohort=val, metric="bayes_rank", seeds=(0,), verbose=False, **SMALL
            )
            cache[key] = m3h.tim_pairwise(scorer, TASKS), cohort.truth.task_relations()
        return cache[key]

    return get


@pytest.mark.parametrize("key", WORLDS)
def test_many_tim_values_are_negative(tim, key):
    says("06", "Many TIM values are negative")
    matrix, _ = tim(key)
    values = matrix.to_numpy()[~np.eye(len(TASKS), dtype=bool)]
    assert np.mean(values < 0) >= 0.5, f"{key}: {np.mean(values < 0):.2f} of TIM values negative"


@pytest.mark.parametrize("key", WORLDS)
def test_the_less_two_tasks_share_the_more_joint_training_costs(tim, key):
    says("06", "the less the two share, the more it costs")
    matrix, truth = tim(key)
    rho = m3h.agreement_with_truth(matrix, truth)
    assert rho >= 0.3, f"{key}: mutual TIM vs true relations, Spearman {rho:.3f}"


def test_directed_entries_agree_less_with_the_truth_than_mutual_ones(tim):
    says("06", "the directed entries are noisier")
    matrix, truth = tim("shipped")
    mutual = m3h.agreement_with_truth(matrix, truth)
    directed = m3h.agreement_with_truth(matrix, truth, symmetric=False)
    assert directed < mutual, f"directed {directed:.3f} >= mutual {mutual:.3f}"


def test_bayes_rank_is_a_steadier_yardstick_than_auroc(world):
    says("06", "AUROC on a few dozen positives moves by points from one run to the next")
    says("06", "**A steady yardstick.**")
    train, val, test = _splits(world("shipped"))
    tasks = ["heart_failure", "pneumonia", "acute_kidney_injury"]
    scores = {}
    for seed in (0, 1):
        model = m3h.M3HModel(tasks=tasks, seed=seed, verbose=False, **SMALL)
        proba = model.fit(train, val_cohort=val).predict_proba(test)
        for t in tasks:
            rank = spearmanr(proba[t], test.truth.probabilities[t]).statistic
            scores[seed, t] = roc_auc_score(test.labels[t], proba[t]), rank
    auroc_moves = [abs(scores[0, t][0] - scores[1, t][0]) for t in tasks]
    rank_moves = [abs(scores[0, t][1] - scores[1, t][1]) for t in tasks]
    assert max(auroc_moves) >= 0.01, f"AUROC moves between seeds: {auroc_moves}"
    assert np.mean(rank_moves) < np.mean(auroc_moves), (rank_moves, auroc_moves)
