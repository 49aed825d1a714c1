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


def test_both_yardsticks_move_between_training_runs(world):
    """AUROC moves by points between runs, and the truth-based rank correlation moves too.

    (An earlier version of the text called bayes_rank the steadier yardstick; with three
    seeds and the five tasks its range between runs was larger than AUROC's, so the text
    now gives the reason that holds: it is scored against the truth, not the records.)
    """
    says("06", "on a few dozen positives it moves by points from one run to the next")
    says("06", "It moves between training runs too, which is why we average two seeds.")
    train, val, test = _splits(world("shipped"))
    tasks = ["heart_failure", "copd_exacerbation", "pneumonia", "sepsis", "acute_kidney_injury"]
    auroc, rank = {t: [] for t in tasks}, {t: [] for t in tasks}
    for seed in (0, 1, 2):  # the spread between runs needs more than two runs to estimate
        model = m3h.M3HModel(tasks=tasks, seed=seed, verbose=False, **SMALL)
        proba = model.fit(train, val_cohort=val).predict_proba(test)
        for t in tasks:
            auroc[t].append(roc_auc_score(test.labels[t], proba[t]))
            rank[t].append(spearmanr(proba[t], test.truth.probabilities[t]).statistic)
    auroc_spread = {t: float(np.ptp(v)) for t, v in auroc.items()}
    rank_spread = {t: float(np.ptp(v)) for t, v in rank.items()}
    assert max(auroc_spread.values()) >= 0.01, f"AUROC range between seeds: {auroc_spread}"
    assert max(rank_spread.values()) >= 0.01, f"rank-correlation range: {rank_spread}"
