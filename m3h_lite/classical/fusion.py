"""Multimodal fusion: early (concatenate features), late (average predictions), stacked.

* **Early fusion** feeds one model the features of several modalities side by side.
* **Late fusion** trains one model per modality and averages their predictions.
* **Stacked fusion** (learned late fusion) trains one model per modality, then a small
  second-level model that weighs their outputs, fitted on *out-of-fold* predictions of the
  training patients so it learns how much each modality adds, not how well it memorised.

On the synthetic hospital the naive versions often lose to the best single modality: a
weak modality (here the notes for most diseases) adds dozens of noisy features to early
fusion and drags the average of late fusion down. Stacking learns to down-weight it
(notebook 03). :class:`FusionModels` fits the per-modality models once, so every subset
of modalities can be scored cheaply, which is what exact Shapley values need
(:mod:`m3h_lite.classical.shapley`). Introduced in notebook 03.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from itertools import combinations
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold
from threadpoolctl import threadpool_limits

from ..evaluation import METRICS, evaluate
from ..hospital.cohort import LABEL_SOURCES, Cohort
from ..hospital.config import MODALITIES
from ..hospital.tasks import Task
from ..validation import Constraint, Interval, Options, expect_type, validate
from .baselines import DEFAULT_C, fit_task_model, predict_task_model, task_targets
from .features import ModalityFeatures

__all__ = [
    "FUSIONS",
    "FusionModels",
    "compare_fusion",
    "fit_fusion",
    "modality_subsets",
    "subset_label",
]

FUSIONS: tuple[str, ...] = ("early", "late", "stacked")


def modality_subsets(modalities: Sequence[str] = MODALITIES) -> list[tuple[str, ...]]:
    """Every non-empty subset of ``modalities`` (2^m - 1 of them), smallest first."""
    modalities = tuple(modalities)
    return [s for k in range(1, len(modalities) + 1) for s in combinations(modalities, k)]


def subset_label(subset: Sequence[str]) -> str:
    """``("tabular", "notes")`` -> ``"tabular+notes"``; the empty subset is ``"none"``."""
    return "+".join(subset) if subset else "none"


def _supervised(cohort: Cohort, tasks: Sequence[str] | None) -> list[str]:
    names = cohort.tasks.check(tasks if tasks is not None else cohort.tasks.names)
    clustering = [n for n in names if cohort.tasks[n].problem_class == "clustering"]
    if tasks is None:
        return [n for n in names if n not in clustering]
    if clustering:
        raise ValueError(
            f"Fusion combines supervised predictions; {clustering} are clustering tasks "
            "(cluster ids of different models cannot be averaged). Drop them from tasks."
        )
    return names


def _link(task: Task, prediction: np.ndarray) -> np.ndarray:
    """Predictions on an unbounded scale, as inputs of the stacking model (2-D)."""
    if task.problem_class == "binary":
        p = np.clip(prediction, 1e-6, 1 - 1e-6)
        return np.log(p / (1 - p))[:, None]
    if task.problem_class == "multiclass":
        return np.log(np.clip(prediction, 1e-6, 1))
    return np.log(np.clip(prediction, 1e-3, None))[:, None]


def _fit_stacker(task: Task, inputs: np.ndarray, target: np.ndarray):
    if task.problem_class == "regression":
        return LinearRegression().fit(inputs, np.log(target))
    return LogisticRegression(C=1.0, max_iter=1000).fit(inputs, target)


def _stacker_predict(task: Task, stacker, inputs: np.ndarray) -> np.ndarray:
    if task.problem_class == "regression":
        return np.exp(stacker.predict(inputs))
    return predict_task_model(task, stacker, inputs)


class FusionModels:
    """Per-modality and early-fusion models of every task, fitted once, scored on demand.

    Use :func:`fit_fusion` to build one. ``predict(subset, how=...)`` returns predictions
    on the evaluation cohort for any subset of modalities and any fusion in
    :data:`FUSIONS`, in :func:`~m3h_lite.evaluation.evaluate` format.
    """

    _parameter_constraints: ClassVar[dict[str, Constraint]] = {
        "C": Interval(float, 0, None, closed="neither"),
        "labels": Options(LABEL_SOURCES),
        "n_folds": Interval(int, 2, None),
        "seed": Interval(int, 0, None),
    }

    def __init__(
        self,
        train: Cohort,
        evaluation: Cohort,
        *,
        tasks: Sequence[str] | None = None,
        modalities: Sequence[str] = MODALITIES,
        C: float = DEFAULT_C,
        labels: str = "recorded",
        n_folds: int = 3,
        seed: int = 0,
    ):
        options = validate(
            "fit_fusion",
            {"C": C, "labels": labels, "n_folds": n_folds, "seed": seed},
            self._parameter_constraints,
        )
        for name, cohort in (("train", train), ("evaluation", evaluation)):
            if not isinstance(cohort, Cohort):
                raise TypeError(
                    f"fit_fusion: {name} must be a Cohort (e.g. cohort.subset(split.train)), "
                    f"got {type(cohort).__name__}."
                )
        if options["n_folds"] > len(train):
            raise ValueError(
                f"fit_fusion: n_folds must be at most the {len(train)} training patients, got "
                f"{options['n_folds']} (each fold holds out some patients). Use e.g. 3."
            )
        self.tasks = _supervised(train, tasks)
        self._task = {n: train.tasks[n] for n in self.tasks}
        self.C, self.seed, self.n_folds = options["C"], options["seed"], options["n_folds"]
        labels = options["labels"]
        self.features = ModalityFeatures(modalities=modalities).fit(train)
        self.modalities = tuple(self.features.blocks_)
        self._x_train = self.features.transform(train)
        self._x_eval = self.features.transform(evaluation)
        self.evaluation_ids_ = evaluation.patient_ids.copy()
        self._targets = {n: task_targets(train, self._task[n], labels=labels) for n in self.tasks}
        self._single: dict[str, dict[str, np.ndarray]] = {}
        self._out_of_fold: dict[str, dict[str, np.ndarray]] = {}
        self._early: dict[tuple[str, ...], dict[str, np.ndarray]] = {}
        with threadpool_limits(limits=1):
            for modality in self.modalities:
                self._fit_single(modality)

    def check_evaluation(self, evaluation: Cohort) -> None:
        """Refuse a cohort other than the one these models predict (same ids, same order)."""
        if not evaluation.patient_ids.equals(self.evaluation_ids_):
            raise ValueError(
                f"These fusion models predict the {len(self.evaluation_ids_)} patients given to "
                f"fit_fusion as its evaluation cohort, not these {len(evaluation)} "
                "(other ids or order). Pass the same cohort, or call fit_fusion again."
            )

    # -- fitting ---------------------------------------------------------------------

    def _folds(self, task: Task, target: np.ndarray):
        if task.problem_class == "regression":
            splitter = KFold(self.n_folds, shuffle=True, random_state=self.seed)
        else:
            splitter = StratifiedKFold(self.n_folds, shuffle=True, random_state=self.seed)
        return splitter.split(self._x_train, target)

    def _fit_single(self, modality: str) -> None:
        columns = self.features.columns([modality])
        x_train, x_eval = self._x_train[:, columns], self._x_eval[:, columns]
        self._single[modality], self._out_of_fold[modality] = {}, {}
        for name in self.tasks:
            task, target = self._task[name], self._targets[name]
            model = fit_task_model(task, x_train, target, C=self.C, seed=self.seed)
            self._single[modality][name] = predict_task_model(task, model, x_eval)
            oof = None
            for fit_rows, held_out in self._folds(task, target):
                fold = fit_task_model(
                    task, x_train[fit_rows], target[fit_rows], C=self.C, seed=self.seed
                )
                pred = _link(task, predict_task_model(task, fold, x_train[held_out]))
                oof = np.zeros((len(target), pred.shape[1])) if oof is None else oof
                oof[held_out] = pred
            self._out_of_fold[modality][name] = oof

    def _early_fusion(self, subset: tuple[str, ...]) -> dict[str, np.ndarray]:
        if subset not in self._early:
            columns = self.features.columns(subset)
            x_train, x_eval = self._x_train[:, columns], self._x_eval[:, columns]
            out = {}
            with threadpool_limits(limits=1):
                for name in self.tasks:
                    task = self._task[name]
                    model = fit_task_model(
                        task, x_train, self._targets[name], C=self.C, seed=self.seed
                    )
                    out[name] = predict_task_model(task, model, x_eval)
            self._early[subset] = out
        return self._early[subset]

    def _stacked(self, subset: tuple[str, ...]) -> dict[str, np.ndarray]:
        out = {}
        with threadpool_limits(limits=1):
            for name in self.tasks:
                task = self._task[name]
                train_in = np.hstack([self._out_of_fold[m][name] for m in subset])
                eval_in = np.hstack([_link(task, self._single[m][name]) for m in subset])
                stacker = _fit_stacker(task, train_in, self._targets[name])
                out[name] = _stacker_predict(task, stacker, eval_in)
        return out

    # -- predictions -----------------------------------------------------------------

    def _subset(self, subset: Sequence[str] | None) -> tuple[str, ...]:
        if subset is None:
            return self.modalities
        subset = [subset] if isinstance(subset, str) else list(subset)
        unknown = [m for m in subset if m not in self.modalities]
        if unknown or not subset:
            raise ValueError(
                f"Choose a non-empty subset of the fitted modalities {list(self.modalities)}; "
                f"got {subset}."
            )
        return tuple(m for m in self.modalities if m in subset)

    def predict(
        self, subset: Sequence[str] | None = None, *, how: str = "stacked"
    ) -> dict[str, np.ndarray]:
        """Predictions on the evaluation cohort from the modalities in ``subset``.

        ``how``: ``"early"`` (one model on the concatenated features; fitted on first use),
        ``"late"`` (mean of the single-modality predictions) or ``"stacked"``. With one
        modality, every fusion is that modality's own model.
        """
        if how not in FUSIONS:
            raise ValueError(f"Unknown fusion {how!r}; choose one of {FUSIONS}.")
        subset = self._subset(subset)
        if len(subset) == 1:
            return dict(self._single[subset[0]])
        if how == "late":
            return {t: np.mean([self._single[m][t] for m in subset], axis=0) for t in self.tasks}
        if how == "early":
            return dict(self._early_fusion(subset))
        return self._stacked(subset)

    def stacking_weights(self, task: str) -> pd.Series:
        """Weight of each modality's logit in the stacked model of a binary task."""
        if task not in self._task or self._task[task].problem_class != "binary":
            raise ValueError(f"stacking_weights needs a fitted binary task, got {task!r}.")
        train_in = np.hstack([self._out_of_fold[m][task] for m in self.modalities])
        stacker = _fit_stacker(self._task[task], train_in, self._targets[task])
        return pd.Series(stacker.coef_[0], index=list(self.modalities), name=task)


def check_fusion(owner: str, fusion: Any) -> None:
    """Refuse anything but fitted :class:`FusionModels` (from :func:`fit_fusion`)."""
    expect_type(
        fusion,
        FusionModels,
        owner=owner,
        name="fusion",
        what="fitted FusionModels",
        fix="Build it with m3h.fit_fusion(train, evaluation).",
    )


def check_metric(owner: str, metric: Any) -> None:
    """Refuse a metric :func:`~m3h_lite.evaluation.evaluate` cannot score alone."""
    known = [m for m in METRICS if m != "silhouette"]
    if not isinstance(metric, str) or metric not in known:
        raise KeyError(f"{owner}: Unknown metric {metric!r}; choose one of {known}.")


def fit_fusion(train: Cohort, evaluation: Cohort, **options: Any) -> FusionModels:
    """Fit per-modality models (with out-of-fold predictions) of every supervised task.

    ``train`` is the training cohort, ``evaluation`` the cohort to predict (e.g. the test
    part); ``options`` are :class:`FusionModels`' keyword options (tasks, modalities, C,
    labels, n_folds, seed), validated there.
    """
    return FusionModels(train, evaluation, **options)


fit_fusion.__signature__ = inspect.signature(FusionModels)  # type: ignore[attr-defined]


def compare_fusion(
    evaluation: Cohort,
    fusion: FusionModels,
    *,
    metric: str = "auroc",
    against: str = "recorded",
) -> pd.DataFrame:
    """Each single modality versus early, late and stacked fusion of all of them, per task.

    Returns a wide table, one row per task of the metric's problem class: ``department``,
    one column per modality, ``best_single`` (the best of them on this very test set, an
    optimistic yardstick), then ``early``, ``late`` and ``stacked``.
    """
    check_metric("compare_fusion", metric)
    check_fusion("compare_fusion", fusion)
    fusion.check_evaluation(evaluation)
    kind = METRICS[metric].problem_class
    tasks = [t for t in fusion.tasks if evaluation.tasks[t].problem_class == kind]
    if not tasks:
        raise ValueError(f"No {kind} task among {fusion.tasks} for metric {metric!r}.")
    approaches = {m: fusion.predict([m]) for m in fusion.modalities}
    approaches.update({how: fusion.predict(how=how) for how in FUSIONS})
    columns = {}
    for name, predictions in approaches.items():
        table = evaluate(
            evaluation, {t: predictions[t] for t in tasks}, against=against, metrics=[metric]
        )
        columns[name] = table.set_index("task")["value"]
    wide = pd.DataFrame(columns)
    singles = wide[list(fusion.modalities)]
    best = singles.max(axis=1) if METRICS[metric].higher_is_better else singles.min(axis=1)
    wide.insert(len(fusion.modalities), "best_single", best)
    department = pd.Series({t: evaluation.tasks[t].department for t in tasks}, name="department")
    return pd.concat([department, wide], axis=1).rename_axis("task")
