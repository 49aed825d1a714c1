"""The multitask plots draw from the tables the library returns."""

import numpy as np
import pandas as pd
import pytest

import m3h_lite as m3h
from m3h_lite.plots import multitask as plots


def _table():
    tasks = ["a", "b", "c"]
    return pd.DataFrame(
        {
            "train_positives": [10, 50, 200],
            "prevalence": [0.01, 0.05, 0.2],
            "single": [0.7, 0.8, 0.9],
            "multitask": [0.75, 0.78, 0.9],
            "gain": [0.05, -0.02, 0.0],
            "relative_gain_pct": [7.1, -2.5, 0.0],
        },
        index=pd.Index(tasks, name="task"),
    )


def test_gain_plots():
    ax = plots.gain_bars(_table())
    assert len(ax.patches) == 3
    ax = plots.gain_vs_prevalence(_table())
    assert ax.get_xscale() == "log"


def test_heatmaps_and_tim_figure():
    cohort_truth = m3h.load_cohort().truth.task_relations()
    tasks = list(cohort_truth.index[:4])
    tim = pd.DataFrame(np.random.default_rng(0).normal(size=(4, 4)), index=tasks, columns=tasks)
    fig = plots.tim_vs_truth(tim, cohort_truth, attention=tim.abs())
    assert len(fig.axes) == 6  # three panels, three colour bars
    ax = plots.attention_heatmap(tim.abs())
    assert ax.get_title() == "Task attention"
    sweep = pd.DataFrame({"mean": [0.8, 0.81]}, index=[0.0, 1.0])
    assert plots.alpha_sweep(sweep).get_xlabel().startswith("alpha")


def test_learning_curves_mark_the_best_epoch():
    from m3h_lite.multitask.training import History

    history = History(
        train_loss=[9.0, 4.0, 3.0, 2.5, 2.0, 1.5],
        val_loss=[9.5, 4.5, 3.4, 3.2, 3.3, 3.6],
        best_epoch=3,
        task_best_epoch=[2, 3, 4],
    )
    ax = plots.learning_curves(history)
    assert len(ax.lines) == 5  # training, validation, best-epoch line, its legend key, ticks
    assert ax.lines[2].get_xdata()[0] == 4  # epochs are counted from 1
    assert list(ax.lines[-1].get_xdata()) == [3, 4, 5]
    assert ax.get_ylim()[1] == pytest.approx(1.5 * 3.2)  # the first epochs run off the top
    assert "epoch 4" in ax.get_legend().get_texts()[2].get_text()

    class Fitted:  # a fitted model may be passed instead of its history
        history_ = History(val_loss=[1.0, 0.9], best_epoch=1, task_best_epoch=[1])

    ax = plots.learning_curves(Fitted())
    assert len(ax.lines) == 3  # no training loss given, one task: no ticks

    with pytest.raises(ValueError, match="fitted model"):
        plots.learning_curves(History())
