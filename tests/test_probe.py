"""Linear probe: detects planted signal, ignores noise, refuses bad input."""

import numpy as np
import pytest

from m3h_lite.fairness.probe import demographic_encoding, probe_attribute


def test_probe_finds_signal_and_not_noise():
    rng = np.random.default_rng(0)
    groups = np.where(rng.random(600) < 0.3, "a", "b")
    noise = rng.normal(size=(600, 5))
    signal = noise + 2.0 * (groups == "a")[:, None]
    assert probe_attribute(signal, groups).auroc > 0.95
    assert abs(probe_attribute(noise, groups).auroc - 0.5) < 0.1
    three = np.array(["a", "b", "c"] * 200)
    assert 0.3 < probe_attribute(noise, three).auroc < 0.7


def test_probe_is_seeded():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 4))
    g = np.where(x[:, 0] + rng.normal(size=300) > 0, "a", "b")
    assert probe_attribute(x, g, seed=3).auroc == probe_attribute(x, g, seed=3).auroc


def test_probe_refusals():
    x = np.zeros((10, 2))
    with pytest.raises(ValueError, match="Length mismatch"):
        probe_attribute(x, ["a"] * 9)
    with pytest.raises(ValueError, match="Only one group"):
        probe_attribute(x, ["a"] * 10)
    with pytest.raises(ValueError, match="2-D"):
        probe_attribute(np.zeros(10), ["a", "b"] * 5)
    with pytest.raises(ValueError, match="only 1 patients"):
        probe_attribute(x, ["a"] * 9 + ["b"])


class _Fake:
    def __init__(self, cohort):
        self.cohort = cohort

    def embed(self, cohort):
        return np.c_[cohort.truth.shortcut_member.to_numpy(dtype=float), np.zeros(len(cohort))]


def test_demographic_encoding(small_cohort):
    result = demographic_encoding(
        _Fake(small_cohort), small_cohort, attribute="race_ethnicity", value="Black"
    )
    assert result.auroc > 0.99
    with pytest.raises(KeyError, match="Unknown attribute"):
        demographic_encoding(_Fake(small_cohort), small_cohort, attribute="ethnicity")
    with pytest.raises(TypeError, match="embed"):
        demographic_encoding(object(), small_cohort, attribute="sex")
