"""Single-task networks trained side by side equal the same networks trained one by one."""

import numpy as np
import pytest

import m3h_lite as m3h
from m3h_lite.multitask.ensemble import fit_single_task_models

TASKS = ["heart_failure", "type2_diabetes", "sepsis", "pneumonia"]
OPTIONS = {"max_epochs": 12, "patience": 2, "embed_dim": 8, "hidden": 16, "verbose": False}


@pytest.fixture(scope="module")
def tiny():
    cohort = m3h.generate_cohort(800, seed=3, image_size=16, n_hours=12)
    split = m3h.split_patients(cohort, seed=0)
    return tuple(cohort.subset(rows) for rows in split)


@pytest.mark.parametrize("regression", [False, True])
def test_ensemble_equals_lone_training(tiny, regression):
    train, val, test = tiny
    tasks = [*TASKS, "length_of_stay"] if regression else TASKS
    together = fit_single_task_models(train, tasks=tasks, val_cohort=val, **OPTIONS)
    stops = set()
    for task in tasks:
        alone = m3h.M3HModel(tasks=[task], **OPTIONS).fit(train, val_cohort=val)
        assert together[task].history_.best_epoch == alone.history_.best_epoch
        assert len(together[task].history_.val_loss) == len(alone.history_.val_loss)
        np.testing.assert_allclose(
            together[task].history_.val_loss, alone.history_.val_loss, rtol=1e-5, atol=1e-6
        )
        np.testing.assert_allclose(
            together[task].predict_proba(test)[task],
            alone.predict_proba(test)[task],
            rtol=1e-4,
            atol=1e-5,
        )
        stops.add(len(alone.history_.val_loss))
    # The case is only a test of per-network stopping if the networks stop at different epochs.
    assert len(stops) > 1


def test_ensemble_without_early_stopping_and_held_out_validation(tiny):
    train, _, test = tiny
    options = {**OPTIONS, "patience": None, "max_epochs": 3}
    together = fit_single_task_models(train, tasks=TASKS[:2], **options)
    for task in TASKS[:2]:
        alone = m3h.M3HModel(tasks=[task], **options).fit(train)
        assert len(together[task].history_.val_loss) == 3
        np.testing.assert_allclose(
            together[task].predict_proba(test)[task],
            alone.predict_proba(test)[task],
            rtol=1e-4,
            atol=1e-5,
        )


def test_ensemble_refuses_what_cannot_be_stacked(tiny):
    train, val, _ = tiny
    with pytest.raises(ValueError, match="mitigation"):
        fit_single_task_models(
            train, tasks=TASKS, val_cohort=val, mitigation=m3h.GroupDRO(attribute="sex")
        )
    with pytest.raises(ValueError, match="multiclass"):
        fit_single_task_models(train, tasks=["disposition"], val_cohort=val, **OPTIONS)
    with pytest.raises(ValueError, match="max_epochs"):
        fit_single_task_models(train, tasks=TASKS, val_cohort=val, max_epochs=0)
    with pytest.raises(KeyError):
        fit_single_task_models(train, tasks=["flu"], val_cohort=val, **OPTIONS)
