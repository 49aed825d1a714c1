"""Property-based tests: every public option is either refused clearly or computed correctly.

"Clearly" means a ValueError or TypeError whose message names the owner and the option;
"correctly" means the same result as a direct computation. Hypothesis draws the values,
including NaN, infinities, zero and negative sizes, booleans and numpy scalars.
"""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import m3h_lite as m3h
from m3h_lite.validation import Flag, Interval, NoneOr, Options, validate

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ANY_NUMBER = st.one_of(
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.integers(-100, 100).map(np.int64),
    st.floats(-10, 10, width=32).map(np.float32),
    st.text(max_size=3),
    st.none(),
)


def _refused_clearly(call, owner: str, option: str) -> bool:
    try:
        call()
    except (ValueError, TypeError) as error:
        assert owner in str(error) and option in str(error), str(error)
        return True
    return False


@FAST
@given(ANY_NUMBER)
def test_interval_accepts_exactly_the_finite_numbers_in_range(value):
    rule = Interval(int, 1, None)
    is_number = isinstance(value, int | np.integer) and not isinstance(value, bool)
    should_accept = is_number and value >= 1
    assert rule.accepts(value) is bool(should_accept)
    real = Interval(float, 0, 1, closed="neither")
    finite = (
        isinstance(value, int | float | np.integer | np.floating)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )
    assert real.accepts(value) is bool(finite and 0 < float(value) < 1)


@FAST
@given(ANY_NUMBER)
def test_validate_normalises_or_names_the_option(value):
    constraints = {"size": NoneOr(Interval(int, 1, None))}
    try:
        out = validate("Thing", {"size": value}, constraints)
    except (ValueError, TypeError) as error:
        assert "Thing: size must be None or an integer >= 1" in str(error)
    else:
        assert out["size"] is None or (type(out["size"]) is int and out["size"] >= 1)


@FAST
@given(st.one_of(st.booleans(), st.text(max_size=4), st.integers(), st.none()))
def test_flags_and_options_refuse_lookalikes(value):
    flag_ok = isinstance(value, bool)
    assert Flag().accepts(value) is flag_ok
    assert Options(("a", "b")).accepts(value) is (value in ("a", "b"))


@FAST
@given(ANY_NUMBER, st.sampled_from(["max_epochs", "batch_size", "embed_dim", "hidden"]))
def test_m3h_model_sizes(value, option):
    accepted = not _refused_clearly(lambda: m3h.M3HModel(**{option: value}), "M3HModel", option)
    assert accepted == (
        isinstance(value, int | np.integer) and not isinstance(value, bool) and value >= 1
    )


@FAST
@given(ANY_NUMBER)
def test_m3h_model_patience(value):
    accepted = not _refused_clearly(lambda: m3h.M3HModel(patience=value), "M3HModel", "patience")
    integer = isinstance(value, int | np.integer) and not isinstance(value, bool)
    assert accepted == (value is None or (integer and value >= 1))


@FAST
@given(ANY_NUMBER, st.sampled_from(["epochs", "batch_size", "hidden"]))
def test_smallnet_sizes(value, option):
    accepted = not _refused_clearly(lambda: m3h.SmallNet(**{option: value}), "SmallNet", option)
    assert accepted == (
        isinstance(value, int | np.integer) and not isinstance(value, bool) and value >= 1
    )


@FAST
@given(ANY_NUMBER)
def test_mitigation_strengths(value):
    finite = (
        isinstance(value, int | float | np.integer | np.floating)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )
    eta_ok = not _refused_clearly(lambda: m3h.GroupDRO(eta=value), "GroupDRO", "eta")
    lam_ok = not _refused_clearly(lambda: m3h.DANN(lam=value), "DANN", "lam")
    power_ok = not _refused_clearly(lambda: m3h.ReSample(power=value), "ReSample", "power")
    assert eta_ok == (finite and float(value) > 0)
    assert lam_ok == (finite and float(value) >= 0)
    assert power_ok == (finite and 0 <= float(value) <= 1)


_RNG = np.random.default_rng(0)
_Y = _RNG.integers(0, 2, 200)
_P = np.clip(_Y * 0.3 + _RNG.random(200) * 0.7, 0, 1)
_G = np.where(_RNG.random(200) < 0.5, "a", "b")


@FAST
@given(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, 1.0])))
def test_subgroup_rates_are_refused_or_right(threshold):
    call = lambda: m3h.subgroup_metrics(_Y, _P, _G, threshold=threshold)  # noqa: E731
    if _refused_clearly(call, "subgroup_metrics", "threshold"):
        assert not (0 < threshold < 1)
        return
    table = call()
    for group in ("a", "b"):
        inside = group == _G
        positives = inside & (_Y == 1)
        expected_fnr = float(np.mean(_P[positives] < threshold))
        assert table.loc[group, "fnr"] == pytest.approx(expected_fnr)


@FAST
@given(st.sampled_from([2, -1, 0.5, np.nan]))
def test_subgroup_labels_outside_0_1_are_refused(bad):
    y = _Y.astype(float).copy()
    y[3] = bad
    with pytest.raises(ValueError, match="Labels must be 0/1"):
        m3h.subgroup_metrics(y, _P, _G)


@settings(max_examples=15, deadline=None)
@given(st.permutations(list(range(60))))
def test_evaluate_aligns_a_series_by_patient_id(order):
    cohort = _small_cohort()
    task = "sepsis"
    scores = cohort.truth.probabilities[task]
    aligned = m3h.evaluate(cohort, {task: scores.to_numpy()}, metrics=["auroc"])
    shuffled = m3h.evaluate(cohort, {task: scores.iloc[list(order)]}, metrics=["auroc"])
    pd.testing.assert_frame_equal(aligned, shuffled)


def test_evaluate_refuses_a_series_of_other_patients():
    cohort = _small_cohort()
    other = pd.Series(np.full(len(cohort), 0.5), index=[f"X{i}" for i in range(len(cohort))])
    with pytest.raises(ValueError, match="patient ids"):
        m3h.evaluate(cohort, {"sepsis": other}, metrics=["auroc"])


_COHORT = {}


def _small_cohort():
    if "c" not in _COHORT:
        _COHORT["c"] = m3h.generate_cohort(60, seed=4)
    return _COHORT["c"]


@settings(max_examples=12, deadline=None)
@given(ANY_NUMBER)
def test_bias_strengths_refused_or_used(value):
    call = lambda: m3h.generate_cohort(30, seed=1, image_shortcut=value)  # noqa: E731
    if _refused_clearly(call, "generate_cohort", "image_shortcut"):
        return
    expected = m3h.BiasConfig().image_shortcut if value is None else float(value)
    assert call().config.biases.image_shortcut == pytest.approx(expected)
    assert value is None or 0 <= float(value) <= 1
