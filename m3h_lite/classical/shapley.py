"""Exact Shapley values of modalities: what each data source adds to a task's AUROC.

Following HAIM (Soenksen et al., npj Digit Med 2022), the "players" are the modalities and
the value of a coalition S is the AUROC of a model trained on the modalities in S, with
value(∅) = 0.5 (a model with no input cannot rank patients). A modality's Shapley value is
its marginal gain averaged over every order in which the modalities could be added::

    phi_i = sum over S not containing i of  |S|! (m - |S| - 1)! / m!  * (v(S + i) - v(S))

With m = 4 modalities that is 2^4 = 16 coalitions per task: exact, no sampling. The values
add up to v(all) - 0.5 (efficiency), so they split the fused model's gain over chance.
Introduced in notebook 03.
"""

from __future__ import annotations

from math import factorial

import pandas as pd

from ..evaluation import METRICS, evaluate
from ..hospital.cohort import Cohort
from ..validation import as_name_list, expect_type
from .fusion import FusionModels, check_fusion, check_metric, modality_subsets, subset_label

__all__ = ["modality_shapley", "shapley_values", "subset_scores"]


def subset_scores(
    evaluation: Cohort,
    fusion: FusionModels,
    *,
    how: str = "stacked",
    metric: str = "auroc",
    against: str = "recorded",
    empty_value: float = 0.5,
) -> pd.DataFrame:
    """The value of every coalition: one row per subset of modalities, one column per task.

    ``how`` is the fusion that combines a subset (``"stacked"``: cheap, the per-modality
    models are reused; ``"early"``: HAIM's choice, one model per subset, slower). The
    first row, ``"none"``, is ``empty_value`` (0.5 for AUROC: chance). Only tasks of the
    metric's problem class are scored.
    """
    check_metric("subset_scores", metric)
    check_fusion("subset_scores", fusion)
    fusion.check_evaluation(evaluation)
    kind = METRICS[metric].problem_class
    tasks = [t for t in fusion.tasks if evaluation.tasks[t].problem_class == kind]
    if not tasks:
        raise ValueError(f"No {kind} task among {fusion.tasks} for metric {metric!r}.")
    rows = {"none": pd.Series(empty_value, index=tasks)}
    for subset in modality_subsets(fusion.modalities):
        predictions = fusion.predict(subset, how=how)
        table = evaluate(
            evaluation, {t: predictions[t] for t in tasks}, against=against, metrics=[metric]
        )
        rows[subset_label(subset)] = table.set_index("task")["value"]
    return pd.DataFrame(rows).T.rename_axis("modalities")


def shapley_values(scores: pd.DataFrame, *, modalities: tuple[str, ...]) -> pd.DataFrame:
    """Exact Shapley value of each modality for each task, from the coalition values.

    Parameters
    ----------
    scores : coalition values as returned by :func:`subset_scores` (rows named by
        :func:`~m3h_lite.classical.fusion.subset_label`, including ``"none"``).
    modalities : the players.

    Returns
    -------
    DataFrame, one row per task, one column per modality.
    """
    expect_type(
        scores,
        pd.DataFrame,
        owner="shapley_values",
        name="scores",
        what="a DataFrame of coalition values",
        fix="Compute it with m3h.subset_scores(...).",
    )
    modalities = tuple(as_name_list(modalities, owner="shapley_values", name="modalities"))
    m = len(modalities)
    needed = ["none"] + [subset_label(s) for s in modality_subsets(modalities)]
    missing = [label for label in needed if label not in scores.index]
    if missing:
        raise ValueError(f"Coalition values missing for {missing}.")
    values = {}
    for i, player in enumerate(modalities):
        others = modalities[:i] + modalities[i + 1 :]
        total = 0.0
        for subset in [(), *modality_subsets(others)]:
            with_player = tuple(p for p in modalities if p in subset or p == player)
            weight = factorial(len(subset)) * factorial(m - len(subset) - 1) / factorial(m)
            gain = scores.loc[subset_label(with_player)] - scores.loc[subset_label(subset)]
            total = total + weight * gain
        values[player] = total
    return pd.DataFrame(values).rename_axis("task")


def modality_shapley(
    evaluation: Cohort,
    fusion: FusionModels,
    *,
    how: str = "stacked",
    against: str = "recorded",
) -> pd.DataFrame:
    """Shapley value of each modality for every binary task, over AUROC (HAIM-style).

    ``evaluation`` must be the cohort ``fusion`` predicts. Returns a table, one row per
    task: ``department``, then one column per modality.
    """
    check_fusion("modality_shapley", fusion)
    scores = subset_scores(evaluation, fusion, how=how, metric="auroc", against=against)
    table = shapley_values(scores, modalities=fusion.modalities)
    department = pd.Series(
        {t: evaluation.tasks[t].department for t in table.index}, name="department"
    )
    return pd.concat([department, table], axis=1).rename_axis("task")
