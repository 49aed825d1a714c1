"""Threshold explorer: updates with the slider and degrades to a PNG and stable text."""

import numpy as np
import pytest

from m3h_lite.widgets import ThresholdExplorer, threshold_explorer


@pytest.fixture(scope="module")
def explorer(small_cohort):
    c = small_cohort
    female = (c.groups["sex"] == "F").to_numpy()
    p = c.truth.probabilities["pneumonia"].to_numpy() * np.where(female, 0.6, 1.0)
    return threshold_explorer(c, p, task="pneumonia", attribute="sex", threshold=0.3)


def test_static_fallback(explorer):
    bundle = explorer._repr_mimebundle_()
    assert bundle["image/png"]
    text = bundle["text/plain"]
    assert text.startswith(
        "Threshold explorer for pneumonia by sex (true labels) at threshold 0.30"
    )
    assert text == explorer.description()  # deterministic
    assert "F: underdiagnosis" in text


def test_slider_moves_rates(explorer):
    before = explorer.rates().loc["F", "underdiagnosis"]
    explorer.slider.value = 0.6
    after = explorer.rates().loc["F", "underdiagnosis"]
    assert after > before
    assert "0.60" in explorer.description()
    explorer.slider.value = 0.3


def test_explorer_refuses_bad_input(small_cohort):
    with pytest.raises(KeyError, match="Unknown attribute"):
        ThresholdExplorer(
            small_cohort, np.zeros(len(small_cohort)), task="pneumonia", attribute="gender"
        )
    with pytest.raises(ValueError, match="Length mismatch"):
        ThresholdExplorer(small_cohort, np.zeros(3), task="pneumonia", attribute="sex")


def test_static_fallback_box_defaults_give_text_without_a_picture():
    from m3h_lite.widgets._static import StaticFallbackBox

    bundle = StaticFallbackBox()._repr_mimebundle_()
    assert "interactive view" in bundle["text/plain"]
    assert "image/png" not in bundle
