"""The evaluation and fusion figures draw what they are given and refuse what is missing."""

import matplotlib
import numpy as np
import pandas as pd
import pytest

import m3h_lite as m3h

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def scored(small_cohort):
    test = small_cohort.subset(np.arange(500))
    predictions = {
        t: test.truth.probabilities[t].to_numpy() for t in ("sepsis", "pneumonia", "dementia")
    }
    return test, predictions, m3h.evaluate(test, predictions, n_bootstrap=20)


def test_evaluation_plots(scored):
    import matplotlib.pyplot as plt

    test, predictions, table = scored
    ax = m3h.plots.roc_curves(test, predictions, tasks=["sepsis", "pneumonia"])
    assert len(ax.lines) == 5  # two models, two ceilings, the diagonal
    ax = m3h.plots.reliability_diagram(test, predictions, tasks=["sepsis"])
    assert ax.get_xlabel() == "mean predicted probability"
    ax = m3h.plots.metric_by_task(table, metric="auroc")
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "pneumonia",
        "dementia",
        "sepsis",
    ]  # bottom to top
    with pytest.raises(ValueError, match="No rows for metric 'mae'"):
        m3h.plots.metric_by_task(table, metric="mae")
    plt.close("all")


def test_fusion_plots():
    import matplotlib.pyplot as plt

    shapley = pd.DataFrame(
        {
            "department": ["Nephrology", "Neurology"],
            "tabular": [0.2, 0.05],
            "timeseries": [0.05, 0.04],
            "notes": [0.01, 0.08],
            "images": [-0.01, 0.0],
        },
        index=["acute_kidney_injury", "dementia"],
    )
    ax = m3h.plots.shapley_bars(shapley)
    assert len(ax.patches) == 8
    ax = m3h.plots.shapley_bars(shapley, by_department=True)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Neurology", "Nephrology"]
    table = shapley.assign(best_single=0.8, early=0.79, late=0.8, stacked=0.82)
    ax = m3h.plots.fusion_comparison(table)
    assert ax.get_xlabel() == "AUROC"
    plt.close("all")
