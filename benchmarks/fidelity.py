"""Fidelity report for M3H-lite: does multitask beat single-task, and does TIM find the truth?

For the shipped cohort and three other seeds (``generate_cohort(4000, seed=s)``), with the
patient split ``split_patients(seed=0)``:

1. single-task (the same architecture trained on one diagnosis) versus multitask (task
   attention, alpha = 1, per-task early stopping) test AUROC per diagnosis, against
   recorded and true labels, with win counts, at several label budgets (``--fractions``,
   default the whole training split, half and a quarter of it; or ``--n-train`` in
   patients: a seeded random subset, ``m3h.label_budget``; validation and test patients
   unchanged). Each side's test
   probabilities are averaged over three training seeds (``--training-seeds``), the same
   small ensemble for single-task and multitask, because a rare diagnosis's AUROC moves by
   several points between seeds. The headline is the first budget; a label-budget table
   lists wins, mean gain and the mean gains of the rarest and the commonest third of the
   diagnoses per budget and cohort, and their mean over the seeds other than the shipped
   2024;
2. the pairwise TIM matrix on eight diagnoses (metric ``bayes_rank``: rank agreement of each
   score with the true probability; small models; the first ``--tim-train`` training
   patients, where sharing matters most; two training seeds averaged), and its Spearman
   rank correlation with the true task relations (cosine similarity of factor loadings),
   symmetrised (mutual TIM of each pair, the truth being undirected) and directed.

Takes several minutes on one core; not part of ``make test``. Run:
``.venv/bin/python benchmarks/fidelity.py`` (``--help`` for options).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

import m3h_lite as m3h
from m3h_lite.multitask.comparison import fit_single_and_multitask, gain_table, label_budget

TIM_TASKS = [
    "heart_failure",
    "atrial_fibrillation",
    "pneumonia",
    "copd_exacerbation",
    "acute_kidney_injury",
    "type2_diabetes",
    "sepsis",
    "delirium",
]


def load(seed: int):
    return m3h.load_cohort() if seed == 2024 else m3h.generate_cohort(4000, seed=seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[2024, 1, 2, 3])
    parser.add_argument("--training-seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument(
        "--fractions",
        type=float,
        nargs="+",
        default=[1.0, 0.5, 0.25],
        help="label budgets as fractions of the training split; the first is the headline",
    )
    parser.add_argument(
        "--n-train",
        type=int,
        nargs="+",
        default=None,
        help="label budgets in training patients instead of --fractions (e.g. 400 1200)",
    )
    parser.add_argument("--budget-seed", type=int, default=0)
    parser.add_argument("--quiet", action="store_true", help="skip the per-task tables")
    parser.add_argument(
        "--hidden", type=int, default=None, help="trunk width for the comparison (default: model's)"
    )
    parser.add_argument("--tim-tasks", nargs="+", default=TIM_TASKS)
    parser.add_argument("--tim-epochs", type=int, default=12)
    parser.add_argument("--tim-train", type=int, default=800)
    parser.add_argument("--tim-seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--skip-tim", action="store_true")
    args = parser.parse_args()

    summary, budgets = [], []
    pd.set_option("display.width", 160)
    for seed in args.seeds:
        start = time.perf_counter()
        cohort = load(seed)
        full_train, val, test = (cohort.subset(r) for r in m3h.split_patients(cohort, seed=0))
        sizes = args.n_train or [round(f * len(full_train)) for f in args.fractions]
        headline = sizes[0]
        extra = {} if args.hidden is None else {"hidden": args.hidden}
        row = {"cohort seed": seed}
        for n_train in sizes:
            train = label_budget(full_train, n_train, seed=args.budget_seed)
            single, multi = fit_single_and_multitask(
                train, val, test, seeds=args.training_seeds, verbose=False, **extra
            )
            budget = {"cohort seed": seed, "n_train": n_train}
            for against in ("recorded", "true"):
                table = gain_table(train, test, single, multi, against=against)
                wins = m3h.win_summary(table)
                budget[f"wins ({against})"] = int(wins.multitask_wins)
                budget[f"win share ({against})"] = wins.win_share
                budget[f"mean gain ({against})"] = wins.mean_gain
                third = max(1, len(table) // 3)  # table is sorted rarest first
                budget[f"gain, rarest third ({against})"] = table["gain"].iloc[:third].mean()
                budget[f"gain, commonest third ({against})"] = table["gain"].iloc[-third:].mean()
                if n_train == headline:
                    row[f"wins ({against})"] = f"{int(wins.multitask_wins)}/{int(wins.tasks)}"
                    row[f"win share ({against})"] = wins.win_share
                    row[f"mean gain ({against})"] = wins.mean_gain
                if not args.quiet:
                    print(
                        f"\n== cohort seed {seed}, {n_train} training patients: "
                        f"single vs multitask, AUROC vs {against} labels =="
                    )
                    print(table.round(3).to_string())
            budget["tasks"] = len(table)
            budget["median train positives"] = float(table["train_positives"].median())
            budgets.append(budget)
            print(pd.Series(budget).round(3).to_string(), flush=True)
        if not args.skip_tim:
            scorer = m3h.TaskSubsetScorer(
                full_train.subset(np.arange(min(args.tim_train, len(full_train)))),
                test,
                val_cohort=val,
                metric="bayes_rank",
                seeds=args.tim_seeds,
                embed_dim=16,
                hidden=32,
                max_epochs=args.tim_epochs,
                verbose=False,
            )
            tim = m3h.tim_pairwise(scorer, args.tim_tasks)
            truth = cohort.truth.task_relations()
            row["TIM vs truth (Spearman)"] = m3h.agreement_with_truth(tim, truth)
            row["TIM vs truth, directed"] = m3h.agreement_with_truth(tim, truth, symmetric=False)
            print(f"\n== cohort seed {seed}: pairwise TIM (rows gain from columns) ==")
            print(tim.round(3).to_string())
        row["minutes"] = (time.perf_counter() - start) / 60
        summary.append(row)
        print(f"\n{pd.Series(row).to_string()}", flush=True)

    table = pd.DataFrame(budgets).set_index(["n_train", "cohort seed"]).sort_index()
    print("\n== label-budget table: multitask wins and mean AUROC gain per budget and cohort ==")
    print(table.round(3).to_string())
    others = table.drop(index=2024, level="cohort seed", errors="ignore")
    if len(others):
        seeds = sorted(set(others.index.get_level_values("cohort seed")))
        print(f"\nmean over cohort seeds {seeds} (the shipped cohort 2024 excluded):")
        print(others.groupby(level="n_train").mean().round(3).to_string())

    frame = pd.DataFrame(summary).set_index("cohort seed")
    others = frame.drop(index=2024, errors="ignore")
    print("\n== summary (headline budget: the first of --fractions / --n-train) ==")
    print(frame.round(3).to_string())
    if len(others):
        print("\nmean over the other seeds:")
        print(others.select_dtypes("number").mean().round(3).to_string())


if __name__ == "__main__":
    main()
