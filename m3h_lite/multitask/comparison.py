"""Single-task versus multitask: the comparison behind the M3H headline (notebook 04).

The single-task baseline is **the same architecture** (:class:`~m3h_lite.multitask.model.M3HModel`)
trained on one task at a time, so the only difference is what is learned jointly.
The relative gain is reported as the paper reports it: (multitask - single) / single.
Introduced in notebook 04.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from tqdm.auto import tqdm

from ..hospital.cohort import Cohort


def _labels(cohort: Cohort, task: str, against: str) -> np.ndarray:
    return cohort.labels_for(against)[task].to_numpy()


def label_budget(train: Cohort, n_train: int | None, *, seed: int = 0) -> Cohort:
    """A seeded random subset of ``n_train`` training patients (all of them if ``None``).

    The subset is drawn without stratification, as a smaller hospital would collect it, so
    rare diagnoses keep roughly their prevalence and end up with few positives. Rows keep
    their original order, and ``n_train = len(train)`` returns the whole training set.
    Validation and test patients are not touched. Introduced in notebook 04.
    """
    if n_train is None:
        return train
    if isinstance(n_train, bool) or not isinstance(n_train, (int, np.integer)):
        raise TypeError(f"n_train must be a whole number of patients, got {n_train!r}.")
    if not 1 <= n_train <= len(train):
        raise ValueError(
            f"n_train must be between 1 and the {len(train)} training patients, got {n_train}."
        )
    rows = np.random.default_rng(seed).choice(len(train), size=int(n_train), replace=False)
    return train.subset(np.sort(rows))


def fit_single_and_multitask(
    train: Cohort,
    val: Cohort,
    test: Cohort,
    *,
    tasks: Sequence[str] | None = None,
    seeds: Sequence[int] = (0,),
    multitask: Any = None,
    n_train: int | None = None,
    budget_seed: int = 0,
    verbose: bool = True,
    **model_kwargs: Any,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Test-set probabilities of single-task and multitask models, averaged over ``seeds``.

    ``multitask`` may be an already fitted :class:`~m3h_lite.multitask.model.M3HModel` on these tasks
    (one seed only, fitted on the same training patients): it is reused instead of trained
    again. ``n_train`` trains every model on :func:`label_budget` ``(train, n_train,
    seed=budget_seed)`` instead of the whole training split.
    Returns ``(single, multitask)``, each a mapping task -> P(y=1) for the test patients.
    """
    from .model import M3HModel

    train = label_budget(train, n_train, seed=budget_seed)
    tasks = list(train.tasks.diagnoses if tasks is None else tasks)
    not_binary = [t for t in tasks if train.tasks[t].problem_class != "binary"]
    if not_binary:
        raise ValueError(f"single_vs_multitask compares binary tasks; {not_binary} are not.")
    model_kwargs = {"verbose": False, **model_kwargs}
    single = {t: np.zeros(len(test)) for t in tasks}
    multi = {t: np.zeros(len(test)) for t in tasks}
    if multitask is not None:
        if len(seeds) != 1 or list(multitask.task_names_) != tasks:
            raise ValueError(
                "A fitted multitask model can be reused only with one seed and the same tasks "
                f"(it has {list(multitask.task_names_)})."
            )
        proba = multitask.predict_proba(test)
        multi = {t: np.asarray(proba[t], dtype=float) for t in tasks}
    for seed in tqdm(seeds, desc="training seeds", disable=not verbose, leave=False):
        if multitask is None:
            model = M3HModel(tasks=tasks, seed=seed, **model_kwargs).fit(train, val_cohort=val)
            proba = model.predict_proba(test)
            for t in tasks:
                multi[t] += proba[t] / len(seeds)
        # One after another: multitask/ensemble.py trains the same networks side by side
        # (equal predictions), but with the CNN image encoder it is not faster on one core
        # and holds every network's activations at once (measured in benchmarks/
        # bench_ensemble.py), so the notebooks keep the lone runs.
        for t in tasks:
            model = M3HModel(tasks=[t], seed=seed, **model_kwargs).fit(train, val_cohort=val)
            single[t] += model.predict_proba(test)[t] / len(seeds)
    return single, multi


def gain_table(
    train: Cohort,
    test: Cohort,
    single: dict[str, np.ndarray],
    multi: dict[str, np.ndarray],
    *,
    against: str = "recorded",
) -> pd.DataFrame:
    """Per-task AUROC of single-task and multitask predictions, gains, rarest task first."""
    tasks = list(single)
    table = pd.DataFrame(
        {
            "train_positives": [int(train.labels[t].sum()) for t in tasks],
            "prevalence": [float(train.labels[t].mean()) for t in tasks],
            "single": [roc_auc_score(_labels(test, t, against), single[t]) for t in tasks],
            "multitask": [roc_auc_score(_labels(test, t, against), multi[t]) for t in tasks],
        },
        index=pd.Index(tasks, name="task"),
    )
    table["gain"] = table["multitask"] - table["single"]
    table["relative_gain_pct"] = 100 * table["gain"] / table["single"]
    return table.sort_values("train_positives", kind="stable")


def single_vs_multitask(
    train: Cohort,
    val: Cohort,
    test: Cohort,
    *,
    tasks: Sequence[str] | None = None,
    against: str = "recorded",
    seeds: Sequence[int] = (0,),
    multitask: Any = None,
    n_train: int | None = None,
    budget_seed: int = 0,
    verbose: bool = True,
    **model_kwargs: Any,
) -> pd.DataFrame:
    """Train one multitask model and one single-task model per task; compare test AUROC.

    Parameters
    ----------
    train, val, test : cohorts (val drives early stopping).
    tasks : binary tasks (default: every diagnosis).
    against : score against ``"recorded"`` or ``"true"`` labels.
    seeds : training seeds; the models' probabilities are averaged over them (a small
        ensemble: less noise, more time).
    multitask : optionally, the multitask model already fitted on the same training
        patients (saves one training).
    n_train : label budget: train every model on a seeded random subset of this many
        training patients (:func:`label_budget`); default all of them. Validation and test
        patients are unchanged.
    budget_seed : seed of that subset.
    model_kwargs : passed to every :class:`~m3h_lite.multitask.model.M3HModel` (e.g. ``alpha``).

    Returns
    -------
    DataFrame indexed by task with training positives (within the budget), prevalence, ``single``,
    ``multitask``, ``gain`` (AUROC points) and ``relative_gain_pct``, rarest task first.
    """
    _labels(test, train.tasks.names[0], against)  # validate early, before training
    train = label_budget(train, n_train, seed=budget_seed)
    single, multi = fit_single_and_multitask(
        train,
        val,
        test,
        tasks=tasks,
        seeds=seeds,
        multitask=multitask,
        verbose=verbose,
        **model_kwargs,
    )
    return gain_table(train, test, single, multi, against=against)


def win_summary(table: pd.DataFrame) -> pd.Series:
    """Wins, share of wins and mean gains from a :func:`single_vs_multitask` table."""
    wins = int((table["gain"] > 0).sum())
    return pd.Series(
        {
            "tasks": len(table),
            "multitask_wins": wins,
            "win_share": wins / len(table),
            "mean_gain": float(table["gain"].mean()),
            "mean_relative_gain_pct": float(table["relative_gain_pct"].mean()),
        }
    )
