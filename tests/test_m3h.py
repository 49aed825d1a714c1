"""The M3H model: shapes, determinism, refusals, persistence, attention and the mitigation hook."""

import dataclasses

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.exceptions import NotFittedError
from sklearn.metrics import log_loss

import m3h_lite as m3h

TASKS = ["heart_failure", "type2_diabetes", "sepsis"]
FAST = {"max_epochs": 2, "embed_dim": 8, "hidden": 16, "verbose": False}


@pytest.fixture(scope="module")
def tiny():
    cohort = m3h.generate_cohort(700, seed=3, image_size=16, n_hours=12)
    split = m3h.split_patients(cohort, seed=0)
    return cohort, *(cohort.subset(rows) for rows in split)


@pytest.fixture(scope="module")
def fitted(tiny):
    _, train, val, _ = tiny
    return m3h.M3HModel(tasks=TASKS, **FAST).fit(train, val_cohort=val)


def test_predict_proba_shapes_and_ranges(tiny, fitted):
    test = tiny[3]
    proba = fitted.predict_proba(test)
    assert list(proba) == TASKS
    for p in proba.values():
        assert p.shape == (len(test),) and np.all((p >= 0) & (p <= 1))
    assert fitted.embed(test).shape == (len(test), 16)
    hard = fitted.predict(test)
    assert set(np.unique(hard["sepsis"])) <= {0, 1}


def test_same_seed_gives_identical_predictions(tiny, fitted):
    _, train, val, test = tiny
    again = m3h.M3HModel(tasks=TASKS, **FAST).fit(train, val_cohort=val)
    for t in TASKS:
        np.testing.assert_array_equal(again.predict_proba(test)[t], fitted.predict_proba(test)[t])


def test_evaluate_returns_the_shared_tidy_table(tiny, fitted):
    table = fitted.evaluate(tiny[3], metrics=["auroc"])
    assert set(table["task"]) == set(TASKS)
    assert {"value", "ceiling", "n_positive"} <= set(table.columns)
    assert table["value"].between(0, 1).all()


def test_attention_weights_are_row_stochastic(tiny, fitted):
    weights = fitted.attention_weights(tiny[3])
    assert list(weights.index) == TASKS and weights.shape == (3, 3)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(np.diag(weights), 1 / (1 + fitted.alpha), atol=1e-5)


def test_alpha_zero_is_separate_task_towers():
    layer = m3h.TaskAttention(4, 6, alpha=0.0)
    w = layer.weights(torch.randn(5, 4, 6))
    torch.testing.assert_close(w, torch.eye(4).expand(5, 4, 4))
    with pytest.raises(ValueError, match="alpha"):
        m3h.TaskAttention(2, 3, alpha=-1.0)


def test_save_and_load_round_trip(tiny, fitted, tmp_path):
    fitted.save(tmp_path / "model")
    loaded = m3h.M3HModel.load(tmp_path / "model")
    for t in TASKS:
        np.testing.assert_allclose(
            loaded.predict_proba(tiny[3])[t], fitted.predict_proba(tiny[3])[t]
        )
    with pytest.raises(FileNotFoundError, match="M3HModel"):
        m3h.M3HModel.load(tmp_path / "nothing")


def test_all_problem_classes_in_one_model(tiny):
    _, train, val, test = tiny
    tasks = ["sepsis", "disposition", "length_of_stay", "phenotype"]
    model = m3h.M3HModel(tasks=tasks, modalities=("tabular", "notes"), **FAST)
    proba = model.fit(train, val_cohort=val).predict_proba(test)
    assert proba["disposition"].shape == (len(test), 4)
    np.testing.assert_allclose(proba["disposition"].sum(axis=1), 1.0, atol=1e-5)
    assert proba["length_of_stay"].shape == (len(test),)
    assert set(np.unique(proba["phenotype"])) <= set(range(5))
    assert set(model.predict(test)["disposition"]) <= set(cohort_classes(test))
    table = model.evaluate(test)
    assert {"macro_f1", "mae", "adjusted_rand"} <= set(table["metric"])


def cohort_classes(cohort):
    return cohort.tasks["disposition"].classes


def test_default_tasks_are_the_diagnoses_and_val_is_held_out(tiny):
    _, train, _, _ = tiny
    model = m3h.M3HModel(modalities=("tabular",), **FAST).fit(train)
    assert model.task_names_ == train.tasks.diagnoses


@pytest.fixture(scope="module")
def per_task(tiny):
    """Long enough that the tasks reach their best validation loss at different epochs."""
    _, train, val, _ = tiny
    settings = {**FAST, "max_epochs": 25, "patience": 3, "lr": 3e-3}
    return m3h.M3HModel(tasks=TASKS, **settings).fit(train, val_cohort=val)


def _validation_bce(model, val):
    proba = model.predict_proba(val)
    return np.array(
        [log_loss(val.labels[t], proba[t].astype(np.float64), labels=[0, 1]) for t in TASKS]
    )


def test_per_task_early_stopping_predicts_each_task_from_its_best_epoch(tiny, per_task):
    val = tiny[2]
    history = np.array(per_task.history_.val_task_loss)
    best = per_task.history_.task_best_epoch
    assert len(set(best)) > 1, "the fixture should give the tasks different best epochs"
    np.testing.assert_array_equal(best, history.argmin(axis=0))
    np.testing.assert_allclose(_validation_bce(per_task, val), history.min(axis=0), rtol=1e-4)
    # Training went on until every task had stalled for `patience` epochs.
    assert len(history) - 1 - max(best) == per_task.patience or len(history) == 25


def test_joint_early_stopping_uses_one_epoch_for_every_task(tiny):
    _, train, val, _ = tiny
    settings = {**FAST, "max_epochs": 25, "patience": 3, "lr": 3e-3}
    joint = m3h.M3HModel(tasks=TASKS, early_stopping="joint", **settings)
    joint.fit(train, val_cohort=val)
    history = np.array(joint.history_.val_task_loss)
    epoch = int(history.sum(axis=1).argmin())
    assert joint.history_.best_epoch == epoch
    assert joint.history_.task_best_epoch == [epoch] * len(TASKS) and not joint.snapshots_
    np.testing.assert_allclose(_validation_bce(joint, val), history[epoch], rtol=1e-4)


def test_a_saved_model_missing_a_task_snapshot_is_refused(per_task, tmp_path):
    folder = per_task.save(tmp_path / "model")
    weights = torch.load(folder / "weights.pt", weights_only=True)
    dropped = next(k for k in weights if k.startswith("epoch_"))
    del weights[dropped]
    torch.save(weights, folder / "weights.pt")
    with pytest.raises(ValueError, match="lacks the per-task weights"):
        m3h.M3HModel.load(folder)


def test_save_and_load_keeps_per_task_snapshots(tiny, per_task, tmp_path):
    loaded = m3h.M3HModel.load(per_task.save(tmp_path / "model"))
    assert sorted(loaded.snapshots_) == sorted(per_task.snapshots_)
    for t in TASKS:
        np.testing.assert_array_equal(
            loaded.predict_proba(tiny[3])[t], per_task.predict_proba(tiny[3])[t]
        )


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"tasks": ["sepsis", "gout"]}, KeyError, "gout"),
        ({"modalities": ("tabular", "genome")}, ValueError, "genome"),
        ({"loss_weighting": "magic"}, ValueError, "loss_weighting"),
        ({"early_stopping": "never"}, ValueError, "early_stopping"),
        ({"tasks": ["phenotype"]}, ValueError, "supervised"),
    ],
)
def test_bad_configuration_is_refused(tiny, kwargs, error, message):
    _, train, val, _ = tiny
    with pytest.raises(error, match=message):
        m3h.M3HModel(**{**FAST, **kwargs}).fit(train, val_cohort=val)


def test_task_without_training_positives_is_refused(tiny):
    _, train, val, _ = tiny
    negatives = train.subset(np.flatnonzero(train.labels["sepsis"].to_numpy() == 0))
    with pytest.raises(ValueError, match="positive"):
        m3h.M3HModel(tasks=["sepsis"], **FAST).fit(negatives, val_cohort=val)


def test_use_before_fit_is_refused(tiny):
    with pytest.raises(NotFittedError, match="fit"):
        m3h.M3HModel().predict_proba(tiny[3])


def test_mismatched_cohorts_are_refused(tiny, fitted):
    other = m3h.generate_cohort(60, seed=4, image_size=32, n_hours=12)
    with pytest.raises(ValueError, match="image_size"):
        fitted.predict_proba(other)
    hours = m3h.generate_cohort(60, seed=4, image_size=16, n_hours=24)
    with pytest.raises(ValueError, match="n_hours"):
        fitted.predict_proba(hours)
    broken = tiny[3]
    series = broken.timeseries.copy()
    series[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fitted.predict_proba(dataclasses.replace(broken, timeseries=series))


def test_loss_weightings_train(tiny):
    _, train, val, test = tiny
    for weighting in ("inverse_prevalence", "uncertainty"):
        model = m3h.M3HModel(tasks=TASKS, loss_weighting=weighting, **FAST)
        proba = model.fit(train, val_cohort=val).predict_proba(test)
        assert np.isfinite(proba["sepsis"]).all()


class CountingMitigation(torch.nn.Module):
    """A tiny mitigation: uniform sampling weights, group-mean loss and a linear adversary."""

    attribute = "sex"

    def __init__(self):
        super().__init__()
        self.calls = {"reset": 0, "sampling_weights": 0, "reduce": 0, "adversary_loss": 0}

    def reset(self, *, n_groups, feature_dim):
        self.calls["reset"] += 1
        self.n_groups = n_groups
        self.probe = torch.nn.Linear(feature_dim, n_groups)

    def sampling_weights(self, group_ids, labels):
        self.calls["sampling_weights"] += 1
        assert labels.ndim == 2 and len(group_ids) == len(labels)
        return np.ones(len(group_ids))

    def reduce(self, per_sample_loss, group_ids):
        self.calls["reduce"] += 1
        assert per_sample_loss.shape == group_ids.shape
        return per_sample_loss.mean()

    def adversary_loss(self, features, group_ids):
        self.calls["adversary_loss"] += 1
        return torch.nn.functional.cross_entropy(self.probe(features), group_ids)


def test_mitigation_hook_is_called(tiny):
    _, train, val, test = tiny
    mitigation = CountingMitigation()
    model = m3h.M3HModel(tasks=TASKS, mitigation=mitigation, **FAST).fit(train, val_cohort=val)
    assert mitigation.calls["reset"] == 1 and mitigation.n_groups == 2
    assert mitigation.calls["sampling_weights"] == 1
    assert mitigation.calls["reduce"] == mitigation.calls["adversary_loss"] > 0
    first_probe = mitigation.probe
    start = first_probe.weight.detach().clone()
    assert not torch.equal(start, torch.zeros_like(start))
    m3h.M3HModel(tasks=TASKS, mitigation=mitigation, **FAST).fit(train, val_cohort=val)
    assert mitigation.calls["reset"] == 2 and mitigation.probe is not first_probe
    assert np.isfinite(model.predict_proba(test)["sepsis"]).all()


def test_preprocessor_fits_vocabulary_on_training_notes_only(tiny):
    _, train, _, test = tiny
    prep = m3h.ModalityPreprocessor(modalities=("notes",)).fit(train)
    arrays = prep.transform(test)
    assert arrays["notes"].shape == (len(test), len(prep.state_["notes"]["vocabulary"]))
    assert "no cough" in prep.state_["notes"]["vocabulary"]


def test_single_vs_multitask_table(tiny):
    _, train, val, test = tiny
    table = m3h.single_vs_multitask(train, val, test, tasks=TASKS[:2], **FAST)
    assert list(table.columns) == [
        "train_positives",
        "prevalence",
        "single",
        "multitask",
        "gain",
        "relative_gain_pct",
    ]
    assert table["train_positives"].is_monotonic_increasing
    summary = m3h.win_summary(table)
    assert summary["tasks"] == 2 and 0 <= summary["win_share"] <= 1


def test_tim_pairwise_and_agreement(tiny):
    cohort, train, val, test = tiny
    scorer = m3h.TaskSubsetScorer(train, test, val_cohort=val, **FAST)
    tim = m3h.tim_pairwise(scorer, TASKS)
    assert tim.shape == (3, 3) and tim.isna().to_numpy().diagonal().all()
    assert len(scorer.cache) == 6  # 3 singles + 3 pairs
    loo = m3h.tim_leave_one_out(scorer, TASKS)
    assert np.isfinite(loo.to_numpy()[~np.eye(3, dtype=bool)]).all()
    truth = cohort.truth.task_relations()
    assert m3h.agreement_with_truth(truth.loc[TASKS, TASKS], truth) == pytest.approx(1.0)
    reversed_truth = -truth.loc[TASKS, TASKS]
    assert m3h.agreement_with_truth(reversed_truth, truth, symmetric=False) == pytest.approx(-1.0)
    with pytest.raises(ValueError, match="two tasks"):
        m3h.tim_pairwise(scorer, ["sepsis"])
    with pytest.raises(ValueError, match="binary"):
        m3h.tim_pairwise(scorer, ["sepsis", "length_of_stay"])


def test_tim_shapley_uses_the_cache(tiny):
    _, train, val, test = tiny
    scorer = m3h.TaskSubsetScorer(train, test, val_cohort=val, **FAST)
    shapley = m3h.tim_shapley(scorer, TASKS[:2], n_permutations=2)
    pairwise = m3h.tim_pairwise(scorer, TASKS[:2])
    pd.testing.assert_frame_equal(shapley, pairwise)  # with two tasks they coincide


def test_single_vs_multitask_reuses_a_fitted_model(tiny, fitted):
    _, train, val, test = tiny
    table = m3h.single_vs_multitask(train, val, test, tasks=TASKS, multitask=fitted, **FAST)
    expected = fitted.predict_proba(test)
    from sklearn.metrics import roc_auc_score

    assert table.loc["sepsis", "multitask"] == pytest.approx(
        roc_auc_score(test.labels["sepsis"], expected["sepsis"])
    )
    with pytest.raises(ValueError, match="same tasks"):
        m3h.single_vs_multitask(train, val, test, tasks=TASKS[:2], multitask=fitted, **FAST)


def test_save_and_load_keeps_every_problem_class(tiny, tmp_path):
    _, train, val, test = tiny
    tasks = ["sepsis", "disposition", "length_of_stay", "phenotype"]
    model = m3h.M3HModel(tasks=tasks, modalities=("tabular", "images"), **FAST)
    model.fit(train, val_cohort=val).save(tmp_path / "all")
    loaded = m3h.M3HModel.load(tmp_path / "all")
    before, after = model.predict_proba(test), loaded.predict_proba(test)
    for t in tasks:
        np.testing.assert_allclose(after[t], before[t], rtol=1e-6)
    assert (loaded.predict(test)["disposition"] == model.predict(test)["disposition"]).all()


def test_label_budget_is_a_seeded_subset_of_the_training_patients(tiny):
    _, train, val, test = tiny
    small = m3h.label_budget(train, 150, seed=0)
    assert len(small) == 150
    again = m3h.label_budget(train, 150, seed=0)
    pd.testing.assert_frame_equal(small.labels, again.labels)
    other = m3h.label_budget(train, 150, seed=1)
    assert not small.labels.index.equals(other.labels.index)
    assert set(small.labels.index) <= set(train.labels.index)
    assert m3h.label_budget(train, None) is train
    assert len(m3h.label_budget(train, len(train))) == len(train)
    with pytest.raises(ValueError, match="between 1 and"):
        m3h.label_budget(train, len(train) + 1)
    with pytest.raises(TypeError, match="whole number"):
        m3h.label_budget(train, 0.5)
    table = m3h.single_vs_multitask(train, val, test, tasks=TASKS[:2], n_train=150, **FAST)
    assert table.loc[TASKS[0], "train_positives"] == int(small.labels[TASKS[0]].sum())


def test_resample_sees_only_the_binary_tasks(tiny):
    """Disposition codes and standardised length of stay are not findings for ReSample."""
    _, train, val, _ = tiny
    seen = {}

    class Spy(m3h.ReSample):
        def sampling_weights(self, group_ids, labels):
            seen["labels"] = labels
            return super().sampling_weights(group_ids, labels)

    tasks = ["sepsis", "disposition", "length_of_stay"]
    model = m3h.M3HModel(tasks=tasks, modalities=("tabular",), mitigation=Spy(), **FAST)
    model.fit(train, val_cohort=val)
    assert seen["labels"].shape == (len(train), 1)
    np.testing.assert_array_equal(seen["labels"][:, 0], train.labels["sepsis"].to_numpy(float))
