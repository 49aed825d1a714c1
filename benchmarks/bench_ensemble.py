"""Single-task networks one by one versus side by side (``fit_single_task_models``).

Each mode runs in a fresh process pinned to one CPU core, on the shipped cohort's training
split (``--n-train`` patients of it, a seeded subset as in notebook 04), validation on the
split's validation patients; it prints wall time, peak resident memory and the largest
difference between the two modes' test predictions. Timings are reported, never asserted.

Run: ``python benchmarks/bench_ensemble.py [--n-train 400] [--tasks 16] [--modalities ...]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, time
import numpy as np
import m3h_lite as m3h
from m3h_lite.multitask.ensemble import fit_single_task_models
mode, n_train, n_tasks, modalities, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4].split(","), sys.argv[5]
cohort = m3h.load_cohort()
train, val, test = (cohort.subset(rows) for rows in m3h.split_patients(cohort, seed=0))
train = m3h.label_budget(train, n_train, seed=0)
tasks = list(cohort.tasks.diagnoses)[:n_tasks]
options = {"verbose": False, "modalities": modalities}
start = time.perf_counter()
if mode == "lone":
    models = {t: m3h.M3HModel(tasks=[t], **options).fit(train, val_cohort=val) for t in tasks}
else:
    models = fit_single_task_models(train, tasks=tasks, val_cohort=val, **options)
seconds = time.perf_counter() - start
np.save(out, np.stack([models[t].predict_proba(test)[t] for t in tasks]))
epochs = sum(len(m.history_.val_loss) for m in models.values())
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "network_epochs": epochs}))
"""


def run(mode: str, args: argparse.Namespace, out: Path) -> dict:
    command = [sys.executable, "-c", CHILD, mode, str(args.n_train), str(args.tasks)]
    command += [",".join(args.modalities), str(out)]
    if sys.platform.startswith("linux"):
        command = ["taskset", "-c", "0", *command]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    import numpy as np

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-train", type=int, default=400)
    parser.add_argument("--tasks", type=int, default=16)
    parser.add_argument(
        "--modalities", nargs="+", default=["tabular", "timeseries", "notes", "images"]
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        results = {}
        for mode in ("lone", "side_by_side"):
            results[mode] = run(mode, args, Path(folder) / f"{mode}.npy")
        lone = np.load(Path(folder) / "lone.npy")
        stacked = np.load(Path(folder) / "side_by_side.npy")
    print(f"{args.tasks} single-task networks, {args.n_train} training patients, "
          f"modalities {'+'.join(args.modalities)} (one CPU core)")  # fmt: skip
    for mode, r in results.items():
        print(
            f"  {mode:<13} {r['seconds']:7.1f} s  {r['peak_mb']:6.0f} MB peak  "
            f"{r['network_epochs']} network-epochs"
        )
    print(f"  largest difference in test predictions: {np.abs(lone - stacked).max():.1e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
