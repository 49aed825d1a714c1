"""Single-task baselines: one classical model per task, on any set of modalities.

Every problem class gets its textbook model on the features of
:class:`~m3h_lite.classical.features.ModalityFeatures`:

* binary diagnoses and readmission: L2-regularised logistic regression (or histogram
  gradient boosting with ``model="boosting"``);
* discharge disposition (multiclass): multinomial logistic regression;
* length of stay (regression): ridge regression (``alpha = 1 / C``) on log(days),
  back-transformed, since stays are right-skewed;
* phenotype (clustering): k-means (or a Gaussian mixture with ``model="mixture"``) with one
  cluster per known phenotype; the true phenotype is never an input.

These are the reference M3H (notebook 04) must beat. Predictions come back as a dict in
the format :func:`m3h_lite.evaluation.evaluate` expects. Introduced in notebook 02.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from sklearn.cluster import KMeans
from sklearn.compose import TransformedTargetRegressor
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits

from ..hospital.cohort import LABEL_SOURCES, Cohort
from ..hospital.config import MODALITIES
from ..hospital.tasks import Task
from ..validation import Constraint, Interval, Options, as_name_list, validate
from .features import ModalityFeatures

__all__ = [
    "MODELS",
    "SingleTaskBaselines",
    "fit_single_task_baselines",
    "fit_task_model",
    "predict_task_model",
    "task_targets",
]

MODELS: tuple[str, ...] = ("logistic", "boosting", "mixture")
"""``logistic`` (linear models, k-means), ``boosting`` (trees for classification),
``mixture`` (Gaussian mixture for clustering; linear models otherwise)."""

DEFAULT_C = 0.01
"""Inverse L2 strength of the logistic models. Strong on purpose: rare diagnoses have few
positives, and with ~200 features a weakly penalised model overfits (notebook 02)."""


def task_targets(cohort: Cohort, task: Task, *, labels: str = "recorded") -> np.ndarray:
    """Training targets of one task: 0/1, class index, days, or phenotype index."""
    column = cohort.labels_for(labels)[task.name]
    if task.problem_class in ("multiclass", "clustering"):
        codes = np.asarray(column.cat.codes, dtype=int)
        return codes
    if task.problem_class == "regression":
        return column.to_numpy(dtype=float)
    return column.to_numpy(dtype=int)


def fit_task_model(
    task: Task,
    features: np.ndarray,
    target: np.ndarray | None,
    *,
    model: str = "logistic",
    C: float = DEFAULT_C,
    seed: int = 0,
):
    """Fit the baseline model of one task on a feature matrix (``target`` unused for
    clustering). Returns the fitted scikit-learn estimator."""
    if model not in MODELS:
        raise ValueError(f"Unknown model {model!r}; choose one of {MODELS}.")
    kind = task.problem_class
    if kind == "clustering":
        k = len(task.classes)
        if model == "mixture":
            estimator = GaussianMixture(k, covariance_type="diag", random_state=seed)
        else:
            estimator = KMeans(k, n_init=4, random_state=seed)
        return estimator.fit(features)
    if kind == "binary":
        if np.unique(target).size < 2:
            raise ValueError(
                f"Task {task.name!r} has a single class in the training labels: no model can "
                "learn it. Use more training patients (or true labels)."
            )
        if model == "boosting":
            estimator = HistGradientBoostingClassifier(
                max_iter=100, learning_rate=0.1, max_leaf_nodes=15, random_state=seed
            )
        else:
            estimator = LogisticRegression(C=C, max_iter=1000)
        return estimator.fit(features, target)
    if kind == "multiclass":
        return LogisticRegression(C=C, max_iter=1000).fit(features, target)
    return TransformedTargetRegressor(
        Ridge(alpha=1.0 / C),
        func=np.log,
        inverse_func=np.exp,
    ).fit(features, target)


def predict_task_model(task: Task, estimator, features: np.ndarray) -> np.ndarray:
    """Predictions of a fitted task model in :func:`~m3h_lite.evaluation.evaluate` format."""
    kind = task.problem_class
    if kind == "binary":
        return estimator.predict_proba(features)[:, 1]
    if kind == "multiclass":
        proba = np.zeros((len(features), len(task.classes)))
        proba[:, estimator.classes_] = estimator.predict_proba(features)
        return proba
    if kind == "regression":
        return np.asarray(estimator.predict(features), dtype=float)
    return np.asarray(estimator.predict(features), dtype=int)


class SingleTaskBaselines:
    """One model per task on the features of the chosen modalities.

    Parameters
    ----------
    tasks : task names (default: every task of the cohort).
    modalities : which modalities feed the models (``("notes",)``, all four, ...).
    model : ``"logistic"``, ``"boosting"`` or ``"mixture"`` (see :data:`MODELS`).
    C : inverse regularisation strength of the linear models.
    labels : train on ``"recorded"`` labels (what a hospital has) or ``"true"`` ones.
    seed : seed of every randomised step.
    feature_options : per-modality options for :class:`ModalityFeatures`.

    Attributes after ``fit``: ``features_`` (the fitted :class:`ModalityFeatures`),
    ``models_`` (task name -> estimator).
    """

    _parameter_constraints: ClassVar[dict[str, Constraint]] = {
        "model": Options(MODELS),
        "C": Interval(float, 0, None, closed="neither"),
        "labels": Options(LABEL_SOURCES),
        "seed": Interval(int, 0, None),
    }

    def __init__(
        self,
        *,
        tasks: Sequence[str] | None = None,
        modalities: Sequence[str] = MODALITIES,
        model: str = "logistic",
        C: float = DEFAULT_C,
        labels: str = "recorded",
        seed: int = 0,
        feature_options: dict[str, dict] | None = None,
    ):
        options = validate(
            "SingleTaskBaselines",
            {"model": model, "C": C, "labels": labels, "seed": seed},
            self._parameter_constraints,
        )
        self.tasks = (
            None
            if tasks is None
            else as_name_list(tasks, owner="SingleTaskBaselines", name="tasks")
        )
        self.modalities = as_name_list(modalities, owner="SingleTaskBaselines", name="modalities")
        self.model = options["model"]
        self.C = options["C"]
        self.labels = options["labels"]
        self.seed = options["seed"]
        if feature_options is not None and not (
            isinstance(feature_options, dict)
            and all(isinstance(v, dict) for v in feature_options.values())
        ):
            raise TypeError(
                "SingleTaskBaselines: feature_options must be None or a dict modality -> "
                f"options, e.g. {{'notes': {{'min_df': 3}}}}, got {feature_options!r}."
            )
        self.feature_options = feature_options

    def fit(self, cohort: Cohort) -> SingleTaskBaselines:
        """Fit the features and one model per task on the training cohort."""
        if not isinstance(cohort, Cohort):
            raise TypeError(
                f"Fit on a Cohort (e.g. cohort.subset(split.train)), got {type(cohort)}."
            )
        names = cohort.tasks.check(self.tasks if self.tasks is not None else cohort.tasks.names)
        self.features_ = ModalityFeatures(
            modalities=self.modalities, options=self.feature_options
        ).fit(cohort)
        x = self.features_.transform(cohort)
        self.models_ = {}
        # One BLAS thread: deterministic, and fair on a shared one-core Binder session.
        with threadpool_limits(limits=1):
            for name in names:
                task = cohort.tasks[name]
                target = task_targets(cohort, task, labels=self.labels)
                self.models_[name] = fit_task_model(
                    task, x, target, model=self.model, C=self.C, seed=self.seed
                )
        self._tasks = {name: cohort.tasks[name] for name in names}
        return self

    def predict(self, cohort: Cohort) -> dict[str, np.ndarray]:
        """Predictions for every fitted task, ready for :func:`~m3h_lite.evaluation.evaluate`."""
        if not hasattr(self, "models_"):
            raise NotFittedError("Call fit(train_cohort) before predict.")
        x = self.features_.transform(cohort)
        return {
            name: predict_task_model(self._tasks[name], estimator, x)
            for name, estimator in self.models_.items()
        }

    def transform(self, cohort: Cohort) -> np.ndarray:
        """The fitted features of a cohort (e.g. for the silhouette score)."""
        if not hasattr(self, "features_"):
            raise NotFittedError("Call fit(train_cohort) before transform.")
        return self.features_.transform(cohort)


def fit_single_task_baselines(train: Cohort, **options: Any) -> SingleTaskBaselines:
    """Fit one baseline per task on ``train``; call ``.predict(test)`` for predictions.

    ``options`` are :class:`SingleTaskBaselines`' keyword options, validated there.

    >>> baselines = fit_single_task_baselines(cohort.subset(split.train))  # doctest: +SKIP
    >>> evaluate(test, baselines.predict(test))                             # doctest: +SKIP
    """
    return SingleTaskBaselines(**options).fit(train)


fit_single_task_baselines.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [
        inspect.Parameter("train", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation="Cohort"),
        *inspect.signature(SingleTaskBaselines).parameters.values(),
    ],
    return_annotation="SingleTaskBaselines",
)
