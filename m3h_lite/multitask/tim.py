"""TIM: the task interdependence score, measured by retraining, and the cheap attention view.

**Our definition** (the M3H paper's formula is not public; this is our reading of "how
joint learning of additional tasks impacts the source task"):

    TIM(s -> t) = metric of task t when trained together with s
                  - metric of task t when trained without s

measured three ways, from cheapest to most careful:

* **pairwise**: train {t} alone and {t, s} together (one model per task and per pair);
* **leave-one-out**: train all tasks, and all tasks but s;
* **Shapley-style**: the average gain from adding s over random orders of the other tasks
  (sampled permutations), so that each source gets credit fairly whatever else is learned.

Positive TIM: learning s helps t (shared causes); negative: s competes with t for the
shared representation (negative transfer). The metric is the test AUROC (``"auroc"``),
against the generator's *true* labels by default (less noisy than recorded ones; a real
hospital can only use recorded labels), or ``"bayes_rank"``: the Spearman correlation of
the model's score with the true probability of disease. ``bayes_rank`` needs the
simulator's truth, but it is far less noisy than AUROC on a few dozen positives, so small
interactions stand out. :func:`attention_view` reads the same question from a trained
model's attention weights, for free. Introduced in notebook 06.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.metrics import average_precision_score, roc_auc_score
from tqdm.auto import tqdm

from ..hospital.cohort import Cohort


def _bayes_rank(probability: np.ndarray, score: np.ndarray) -> float:
    return float(spearmanr(probability, score).statistic)


_METRICS = {"auroc": roc_auc_score, "auprc": average_precision_score, "bayes_rank": _bayes_rank}


class TaskSubsetScorer:
    """Train an M3H model on a subset of tasks and score each task on the evaluation cohort.

    Results are cached by subset, so pairwise, leave-one-out and Shapley estimates share
    every model they have in common.
    """

    def __init__(
        self,
        train: Cohort,
        evaluation: Cohort,
        *,
        val_cohort: Cohort | None = None,
        metric: str = "auroc",
        against: str = "true",
        seeds: Sequence[int] = (0,),
        verbose: bool = True,
        **model_kwargs: Any,
    ):
        if metric not in _METRICS:
            raise ValueError(f"Unknown metric {metric!r}; choose from {list(_METRICS)}.")
        evaluation.labels_for(against)  # refuses an unknown label source now, not mid-run
        self.train, self.evaluation, self.val_cohort = train, evaluation, val_cohort
        self.metric, self.against, self.seeds = metric, against, tuple(seeds)
        self.verbose = verbose
        self.model_kwargs = {"verbose": False, **model_kwargs}
        self.cache: dict[frozenset[str], dict[str, float]] = {}

    def labels(self, task: str) -> np.ndarray:
        if self.metric == "bayes_rank":
            return self.evaluation.truth.probabilities[task].to_numpy()
        return self.evaluation.labels_for(self.against)[task].to_numpy()

    def score(self, subset: Sequence[str]) -> dict[str, float]:
        """Metric of every task in ``subset`` (averaged over the training seeds)."""
        from .model import M3HModel

        key = frozenset(subset)
        if key not in self.cache:
            names = sorted(key)
            totals = dict.fromkeys(names, 0.0)
            for seed in self.seeds:
                model = M3HModel(tasks=names, seed=seed, **self.model_kwargs)
                model.fit(self.train, val_cohort=self.val_cohort)
                proba = model.predict_proba(self.evaluation)
                for t in names:
                    totals[t] += _METRICS[self.metric](self.labels(t), proba[t]) / len(self.seeds)
            self.cache[key] = totals
        return self.cache[key]


def _check_tasks(cohort: Cohort, tasks: Sequence[str]) -> list[str]:
    tasks = list(tasks)
    if len(tasks) < 2:
        raise ValueError("TIM needs at least two tasks.")
    unknown = [t for t in tasks if t not in cohort.tasks]
    if unknown:
        raise KeyError(f"Unknown task(s) {unknown}. Known: {', '.join(cohort.tasks.names)}.")
    not_binary = [t for t in tasks if cohort.tasks[t].problem_class != "binary"]
    if not_binary:
        raise ValueError(f"TIM here scores binary tasks by AUROC; {not_binary} are not binary.")
    return tasks


def _frame(values: dict[tuple[str, str], float], tasks: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(np.nan, index=tasks, columns=tasks)
    for (target, source), v in values.items():
        frame.loc[target, source] = v
    frame.index.name, frame.columns.name = "target task t", "source task s"
    return frame


def tim_pairwise(scorer: TaskSubsetScorer, tasks: Sequence[str]) -> pd.DataFrame:
    """TIM(s -> t) = metric(t | trained on {t, s}) - metric(t | trained on {t}).

    Rows: the task that gains (t); columns: the task learned alongside (s); diagonal NaN.
    Trains T single-task and T(T-1)/2 pair models.
    """
    tasks = _check_tasks(scorer.train, tasks)
    pairs = list(combinations(tasks, 2))
    values = {}
    for a, b in tqdm(pairs, desc="TIM pairs", disable=not scorer.verbose, leave=False):
        joint = scorer.score([a, b])
        values[(a, b)] = joint[a] - scorer.score([a])[a]
        values[(b, a)] = joint[b] - scorer.score([b])[b]
    return _frame(values, tasks)


def tim_leave_one_out(scorer: TaskSubsetScorer, tasks: Sequence[str]) -> pd.DataFrame:
    """TIM(s -> t) = metric(t | all tasks) - metric(t | all tasks except s). T + 1 models."""
    tasks = _check_tasks(scorer.train, tasks)
    full = scorer.score(tasks)
    values = {}
    for s in tqdm(tasks, desc="TIM leave-one-out", disable=not scorer.verbose, leave=False):
        without = scorer.score([t for t in tasks if t != s])
        values.update({(t, s): full[t] - without[t] for t in tasks if t != s})
    return _frame(values, tasks)


def tim_shapley(
    scorer: TaskSubsetScorer, tasks: Sequence[str], *, n_permutations: int = 10, seed: int = 0
) -> pd.DataFrame:
    """Shapley-style TIM: for each target t, the mean gain of adding s to the tasks that
    precede s in a random order of the other tasks (``n_permutations`` sampled orders).

    Exact Shapley values would need every subset (2^(T-1) models per target); sampling
    orders is the usual approximation. Models are shared through the scorer's cache.
    """
    tasks = _check_tasks(scorer.train, tasks)
    rng = np.random.default_rng(seed)
    sums = {(t, s): 0.0 for t in tasks for s in tasks if s != t}
    for t in tqdm(tasks, desc="TIM Shapley", disable=not scorer.verbose, leave=False):
        others = [s for s in tasks if s != t]
        for _ in range(n_permutations):
            order = [others[i] for i in rng.permutation(len(others))]
            current = [t]
            before = scorer.score(current)[t]
            for s in order:
                current = [*current, s]
                after = scorer.score(current)[t]
                sums[(t, s)] += (after - before) / n_permutations
                before = after
    return _frame(sums, tasks)


def attention_view(model: Any, cohort: Cohort) -> pd.DataFrame:
    """The cheap view: mean attention weight task t puts on task s (diagonal NaN).

    It costs one forward pass instead of many trainings, but it shows what the model
    *reads*, not whether reading it *helps*.
    """
    weights = model.attention_weights(cohort)
    values = weights.to_numpy(dtype=float, copy=True)
    np.fill_diagonal(values, np.nan)
    names = list(weights.index)
    return pd.DataFrame(
        values,
        index=pd.Index(names, name="target task t"),
        columns=pd.Index(names, name="source task s"),
    )


def agreement_with_truth(
    matrix: pd.DataFrame, truth: pd.DataFrame, *, symmetric: bool = True
) -> float:
    """Spearman rank correlation between off-diagonal entries of ``matrix`` and ``truth``.

    ``truth`` is usually ``cohort.truth.task_relations()``: the cosine similarity of factor
    loadings, which is *undirected*. With ``symmetric=True`` (default) the matrix is first
    symmetrised, (M(s -> t) + M(t -> s)) / 2, the mutual interaction of each pair, so that
    both are compared on the same footing; this also averages two noisy retrainings per
    pair. ``symmetric=False`` ranks the directed entries. Matrices are aligned on the tasks
    of ``matrix``.
    """
    tasks = list(matrix.index)
    missing = [t for t in tasks if t not in truth.index]
    if missing:
        raise KeyError(f"Task(s) {missing} are not in the truth matrix.")
    values = matrix.loc[tasks, tasks].to_numpy(dtype=float)
    if symmetric:
        values = (values + values.T) / 2
    reference = truth.loc[tasks, tasks].to_numpy(dtype=float)
    mask = ~np.eye(len(tasks), dtype=bool)
    if symmetric:
        mask &= np.triu(np.ones_like(mask), k=1)  # each pair once
    a, b = values[mask], reference[mask]
    keep = np.isfinite(a) & np.isfinite(b)
    if keep.sum() < 3:
        raise ValueError("Need at least three finite off-diagonal entries to rank-correlate.")
    return float(spearmanr(a[keep], b[keep]).statistic)
