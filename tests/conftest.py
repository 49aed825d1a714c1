"""Shared fixtures: small cohorts generated once per test session."""

import os

import matplotlib
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
matplotlib.use("Agg")


@pytest.fixture(scope="session")
def small_cohort():
    import m3h_lite as m3h

    return m3h.generate_cohort(1500, seed=11)


@pytest.fixture(scope="session")
def large_cohort():
    """Big enough to measure planted effects precisely (small images keep it fast)."""
    import m3h_lite as m3h

    return m3h.generate_cohort(30_000, seed=5, image_size=16, n_hours=12)


@pytest.fixture(scope="session")
def shipped_cohort():
    import m3h_lite as m3h

    return m3h.load_cohort()


@pytest.fixture(scope="session")
def world():
    """``world(key)``: the shipped cohort ("shipped") or a fresh 4,000-patient world of seed
    ``key``, generated once per session (claims tests; see ``tests/claims_support.py``)."""
    import m3h_lite as m3h

    cohorts = {}

    def get(key):
        if key not in cohorts:
            cohorts[key] = (
                m3h.load_cohort() if key == "shipped" else m3h.generate_cohort(4000, seed=key)
            )
        return cohorts[key]

    return get
