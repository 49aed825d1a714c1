"""Mitigation objects on plain tensors: the hooks a trainer calls."""

import numpy as np
import pytest
import torch

from m3h_lite.fairness import mitigation as mx


def test_erm_is_the_mean():
    m = mx.ERM()
    m.reset(n_groups=2, feature_dim=3)
    loss = torch.tensor([1.0, 2.0, 3.0, 6.0])
    assert m.reduce(loss, torch.tensor([0, 0, 1, 1])).item() == pytest.approx(3.0)
    assert m.sampling_weights(np.zeros(4), np.zeros((4, 1))) is None
    assert m.adversary_loss(torch.zeros(4, 3), torch.zeros(4, dtype=torch.long)) is None


def test_resample_weights_balance_cells():
    m = mx.ReSample()
    groups = np.array([0, 0, 0, 0, 0, 0, 1, 1])
    labels = np.array([0, 0, 0, 0, 1, 1, 0, 1], dtype=float)[:, None]
    w = m.sampling_weights(groups, labels)
    # cell (y, a) sizes: (0,0)=4, (1,0)=2, (0,1)=1, (1,1)=1 -> weights N / n
    assert np.allclose(w, [2, 2, 2, 2, 4, 4, 8, 8])
    # each cell then carries the same total weight
    cells = groups * 2 + labels[:, 0].astype(int)
    totals = [w[cells == c].sum() for c in np.unique(cells)]
    assert np.allclose(totals, totals[0])
    assert np.allclose(mx.ReSample(power=0).sampling_weights(groups, labels), 1)
    with pytest.raises(ValueError):
        mx.ReSample(power=2)


def test_reweight_upweights_the_small_group():
    m = mx.ReWeight()
    m.reset(n_groups=2, feature_dim=3)
    groups = torch.tensor([0, 0, 0, 1])
    loss = torch.tensor([1.0, 1.0, 1.0, 5.0])
    out = m.reduce(loss, groups).item()
    assert out > loss.mean().item()  # the one member of group 1 counts three times as much
    # weights 1/n_g = [1/3, 1/3, 1/3, 1], scaled to mean 1: [2/3, 2/3, 2/3, 2]; each group then
    # carries the same total weight (2), and the loss is (3 * 2/3 * 1 + 2 * 5) / 4 = 3.
    assert out == pytest.approx(3.0, rel=1e-6)


def test_groupdro_moves_weight_to_the_worse_group():
    m = mx.GroupDRO(eta=0.5)
    m.reset(n_groups=2, feature_dim=3)
    groups = torch.tensor([0, 0, 1, 1])
    loss = torch.tensor([0.1, 0.1, 2.0, 2.0], requires_grad=True)
    for _ in range(5):
        out = m.reduce(loss, groups)
    assert m.q[1] > m.q[0]
    assert m.q.sum().item() == pytest.approx(1.0)
    out.backward()
    assert loss.grad[2] > loss.grad[0]
    with pytest.raises(ValueError, match="group ids"):
        m.reduce(loss, torch.tensor([0, 0, 1, 2]))


def test_dann_reverses_the_gradient():
    torch.manual_seed(0)
    m = mx.DANN(lam=1.0, hidden=8)
    with pytest.raises(RuntimeError, match="reset"):
        m.adversary_loss(torch.zeros(2, 3), torch.zeros(2, dtype=torch.long))
    m.reset(n_groups=2, feature_dim=3)
    assert len(list(m.parameters())) == 4  # discriminator joins the optimiser
    features = torch.randn(16, 3, requires_grad=True)
    groups = torch.tensor([0, 1] * 8)
    loss = m.adversary_loss(features, groups)
    loss.backward()
    reversed_grad = features.grad.clone()
    features.grad = None
    plain = torch.nn.functional.cross_entropy(m.discriminator(features), groups)
    plain.backward()
    assert torch.allclose(reversed_grad, -features.grad)
    with pytest.raises(ValueError, match="features must be"):
        m.adversary_loss(torch.zeros(3, 3), groups)


def test_make_mitigation():
    assert isinstance(mx.make_mitigation("groupdro", eta=0.1), mx.GroupDRO)
    assert isinstance(mx.make_mitigation(None), mx.ERM)
    with pytest.raises(ValueError, match="Unknown mitigation"):
        mx.make_mitigation("fairness")


def test_resample_without_binary_tasks_balances_groups():
    groups = np.array([0, 0, 0, 1])
    w = mx.ReSample().sampling_weights(groups, np.zeros((4, 0)))
    assert np.allclose(w, [4 / 3, 4 / 3, 4 / 3, 4])
