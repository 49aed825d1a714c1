"""Claims tests for notebook 05 (task attention): the layer's weights, and what the α sweep
shows, recomputed at reduced size (a smaller network, pooled images, two values of α)."""

import numpy as np
import pytest
import torch
from claims_support import says
from sklearn.metrics import roc_auc_score

import m3h_lite as m3h

SMALL = {"hidden": 32, "embed_dim": 16, "image_pool": 4, "verbose": False}


@pytest.fixture(scope="module")
def sweep(world):
    """Models at alpha 0 and 1 on the shipped training split, with their test AUROCs."""
    cohort = world("shipped")
    train, val, test = (cohort.subset(rows) for rows in m3h.split_patients(cohort, seed=0))
    models, auroc = {}, {}
    for alpha in (0.0, 1.0):
        models[alpha] = m3h.M3HModel(alpha=alpha, seed=0, **SMALL).fit(train, val_cohort=val)
        proba = models[alpha].predict_proba(test)
        auroc[alpha] = {t: roc_auc_score(test.labels[t], proba[t]) for t in cohort.tasks.diagnoses}
    return cohort, test, models, auroc


def test_rows_sum_to_one_and_the_diagonal_is_the_self_weight():
    says("05", "Each row sums to one; the diagonal is 1/(1+α) = 0.5.")
    torch.manual_seed(0)
    layer = m3h.TaskAttention(3, 4, alpha=1.0)
    w = layer.weights(torch.randn(8, 3, 4)).detach().numpy()
    np.testing.assert_allclose(w.sum(axis=-1), 1.0, atol=1e-6)
    np.testing.assert_allclose(np.diagonal(w, axis1=1, axis2=2), 0.5, atol=1e-6)


@pytest.mark.parametrize("alpha", [0.0, 0.3, 3.0, 10.0])
def test_a_task_keeps_one_over_one_plus_alpha_of_its_own_slot(alpha):
    says("05", "so a task keeps 1/(1+α) of its own slot and spreads α/(1+α) over the others")
    says("05", "At α = 0, W = I")
    torch.manual_seed(1)
    w = m3h.TaskAttention(5, 6, alpha=alpha).weights(torch.randn(4, 5, 6)).detach().numpy()
    own = np.diagonal(w, axis1=1, axis2=2)
    np.testing.assert_allclose(own, 1 / (1 + alpha), atol=1e-6)
    np.testing.assert_allclose(w.sum(axis=-1) - own, alpha / (1 + alpha), atol=1e-6)
    if alpha == 0:
        np.testing.assert_allclose(w, np.broadcast_to(np.eye(5), w.shape), atol=1e-7)


def test_alpha_moves_the_mean_auroc_by_less_than_a_point(sweep):
    says("05", "the mean AUROC moves by less than a point across α")
    _, _, _, auroc = sweep
    means = {alpha: np.mean(list(values.values())) for alpha, values in auroc.items()}
    assert abs(means[1.0] - means[0.0]) < 0.01, f"mean AUROC by alpha: {means}"


def test_attention_picks_partners_related_or_not(sweep):
    says("05", "the attention is free to pick any partner that lowers the training loss")
    cohort, test, models, _ = sweep
    weights = models[1.0].attention_weights(test)
    cross = weights.where(~np.eye(len(weights), dtype=bool))
    top = cross.idxmax(axis=1)
    truth = cohort.truth.task_relations()
    relation = {t: float(truth.loc[t, s]) for t, s in top.items()}
    best = {t: float(truth.loc[t].drop(t).max()) for t in top.index}
    assert min(relation.values()) < 0.05, f"every task reads a related partner: {relation}"
    assert sum(relation[t] < best[t] for t in top.index) >= len(top) / 4, (relation, best)
