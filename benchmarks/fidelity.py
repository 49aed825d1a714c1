"""Fidelity report for M3H-lite: does multitask beat single-task, and does TIM find the truth?

For the shipped cohort and three other seeds (``generate_cohort(4000, seed=s)``), with the
patient split ``split_patients(seed=0)``:

1. single-task (the same architecture trained on one diagnosis) versus multitask (task
   attention, alpha = 1) test AUROC per diagnosis, against recorded and true labels, with
   win counts;
2. the pairwise TIM matrix (metric: rank agreement of each score with the true probability,
   ``bayes_rank``) on eight diagnoses, and its Spearman rank correlation with
   the true task relations (cosine similarity of factor loadings).

Takes several minutes on one core; not part of ``make test``. Run:
``.venv/bin/python benchmarks/fidelity.py`` (``--help`` for options).
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

import m3h_lite as m3h
from m3h_lite.multitask import fit_single_and_multitask, gain_table

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
    parser.add_argument("--training-seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--tim-tasks", nargs="+", default=TIM_TASKS)
    parser.add_argument("--tim-epochs", type=int, default=12)
    parser.add_argument("--skip-tim", action="store_true")
    args = parser.parse_args()

    summary = []
    pd.set_option("display.width", 160)
    for seed in args.seeds:
        start = time.perf_counter()
        cohort = load(seed)
        train, val, test = (cohort.subset(r) for r in m3h.split_patients(cohort, seed=0))
        single, multi = fit_single_and_multitask(
            train, val, test, seeds=args.training_seeds, verbose=False
        )
        row = {"cohort seed": seed}
        for against in ("recorded", "true"):
            table = gain_table(train, test, single, multi, against=against)
            wins = m3h.win_summary(table)
            row[f"wins ({against})"] = f"{int(wins.multitask_wins)}/{int(wins.tasks)}"
            row[f"win share ({against})"] = wins.win_share
            row[f"mean gain ({against})"] = wins.mean_gain
            print(f"\n== cohort seed {seed}: single vs multitask, AUROC vs {against} labels ==")
            print(table.round(3).to_string())
        if not args.skip_tim:
            scorer = m3h.TaskSubsetScorer(
                train,
                test,
                val_cohort=val,
                metric="bayes_rank",
                max_epochs=args.tim_epochs,
                verbose=False,
            )
            tim = m3h.tim_pairwise(scorer, args.tim_tasks)
            truth = cohort.truth.task_relations()
            row["TIM vs truth (Spearman)"] = m3h.agreement_with_truth(tim, truth)
            print(f"\n== cohort seed {seed}: pairwise TIM (rows gain from columns) ==")
            print(tim.round(3).to_string())
        row["minutes"] = (time.perf_counter() - start) / 60
        summary.append(row)
        print(f"\n{pd.Series(row).to_string()}", flush=True)

    frame = pd.DataFrame(summary).set_index("cohort seed")
    others = frame.drop(index=2024, errors="ignore")
    print("\n== summary ==")
    print(frame.round(3).to_string())
    if len(others):
        print("\nmean over the other seeds:")
        print(others.select_dtypes("number").mean().round(3).to_string())


if __name__ == "__main__":
    main()
