"""Single-task versus multitask: the comparison behind the M3H headline (notebook 04).

The single-task baseline is **the same architecture** (:class:`~m3h_lite.model.M3HModel`)
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

from .hospital.cohort import Cohort


def _labels(cohort: Cohort, task: str, against: str) -> np.ndarray:
    if against not in ("recorded", "true"):
        raise ValueError(f"against must be 'recorded' or 'true', got {against!r}.")
    source = cohort.truth.labels if against == "true" else cohort.labels
    return source[task].to_numpy()


def single_vs_multitask(
    train: Cohort,
    val: Cohort,
    test: Cohort,
    *,
    tasks: Sequence[str] | None = None,
    against: str = "recorded",
    seeds: Sequence[int] = (0,),
    verbose: bool = True,
    **model_kwargs: Any,
) -> pd.DataFrame:
    """Train one multitask model and one single-task model per task; compare test AUROC.

    Parameters
    ----------
    train, val, test : cohorts (val drives early stopping).
    tasks : binary tasks (default: every diagnosis).
    against : score against ``"recorded"`` or ``"true"`` labels.
    seeds : training seeds; AUROCs are averaged over them (less noise, more time).
    model_kwargs : passed to every :class:`~m3h_lite.model.M3HModel` (e.g. ``alpha``).

    Returns
    -------
    DataFrame indexed by task with training positives, prevalence, ``single``,
    ``multitask``, ``gain`` (AUROC points) and ``relative_gain_pct``, rarest task first.
    """
    from .model import M3HModel

    tasks = list(train.tasks.diagnoses if tasks is None else tasks)
    not_binary = [t for t in tasks if train.tasks[t].problem_class != "binary"]
    if not_binary:
        raise ValueError(f"single_vs_multitask compares binary tasks; {not_binary} are not.")
    model_kwargs = {"verbose": False, **model_kwargs}
    single = dict.fromkeys(tasks, 0.0)
    multi = dict.fromkeys(tasks, 0.0)
    runs = [(seed, None) for seed in seeds] + [(seed, t) for seed in seeds for t in tasks]
    for seed, task in tqdm(runs, desc="models", disable=not verbose, leave=False):
        names = tasks if task is None else [task]
        model = M3HModel(tasks=names, seed=seed, **model_kwargs).fit(train, val_cohort=val)
        proba = model.predict_proba(test)
        for t in names:
            score = roc_auc_score(_labels(test, t, against), proba[t]) / len(seeds)
            if task is None:
                multi[t] += score
            else:
                single[t] += score
    table = pd.DataFrame(
        {
            "train_positives": [int(train.labels[t].sum()) for t in tasks],
            "prevalence": [float(train.labels[t].mean()) for t in tasks],
            "single": [single[t] for t in tasks],
            "multitask": [multi[t] for t in tasks],
        },
        index=pd.Index(tasks, name="task"),
    )
    table["gain"] = table["multitask"] - table["single"]
    table["relative_gain_pct"] = 100 * table["gain"] / table["single"]
    return table.sort_values("train_positives")


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
