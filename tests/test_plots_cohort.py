"""Cohort figures draw what they should and reject bad arguments clearly."""

import matplotlib.pyplot as plt
import pytest

from m3h_lite.plots import cohort as plots


@pytest.fixture(scope="module")
def cohort(small_cohort):
    return small_cohort


def test_image_grid_one_row_per_site(cohort):
    fig = plots.image_grid(cohort, by="site", per_group=3)
    sites = list(cohort.groups["site"].cat.categories)
    assert len(fig.axes) == 3 * len(sites)
    assert [fig.axes[3 * i].get_ylabel() for i in range(len(sites))] == sites
    plt.close(fig)
    with pytest.raises(KeyError, match="Unknown grouping"):
        plots.image_grid(cohort, by="blood_type")


def test_vital_signs_one_panel_per_channel(cohort):
    fig = plots.vital_signs(cohort, ["P000001", 3], channels=["heart_rate_bpm", "temp_c"])
    drawn = [ax for ax in fig.axes if ax.get_visible() and ax.lines]
    assert len(drawn) == 2 and len(drawn[0].lines) == 2
    plt.close(fig)
    with pytest.raises(KeyError, match="Unknown vital-sign channel"):
        plots.vital_signs(cohort, 0, channels=["pulse"])


def test_prevalence_bars_true_above_recorded(cohort):
    ax = plots.prevalence_bars(cohort)
    n = len(cohort.tasks.diagnoses)
    true_bars, recorded_bars = ax.patches[:n], ax.patches[n:]
    assert all(
        t.get_width() >= r.get_width() for t, r in zip(true_bars, recorded_bars, strict=True)
    )
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="binary tasks only"):
        plots.prevalence_bars(cohort, tasks=["length_of_stay"])


def test_site_overview_and_patient_card_figure(cohort):
    fig = plots.site_overview(cohort)
    assert len(fig.axes) == 4
    plt.close(fig)
    fig = plots.patient_card_figure(cohort, "P000002")
    assert "P000002" in fig._suptitle.get_text()
    plt.close(fig)


def test_style_keeps_interactive_mode_switched_on_inside():
    """Jupyter's inline backend turns interactive mode on at the first figure; keep it on."""
    import matplotlib as mpl

    from m3h_lite.plots import style

    before = mpl.is_interactive()
    try:
        mpl.interactive(False)
        with style():
            mpl.interactive(True)
        assert mpl.is_interactive()
    finally:
        mpl.interactive(before)
