"""Time every course notebook top to bottom on one CPU core, with the kernel's peak memory.

Each notebook runs in a fresh process pinned to CPU core 0 (``taskset -c 0`` on Linux, like
a one-core Binder session); that process starts a fresh kernel with nbclient (the kernel
inherits the pinning). Peak memory is the kernel's maximum resident set size, read with
``resource.getrusage(RUSAGE_CHILDREN)`` once the kernel has exited. Timings are reported,
never asserted: the budget is at most 60 s and below 1 GB per notebook.

Run: ``python benchmarks/bench_notebooks.py [notebooks/01_meet_the_patients.ipynb ...]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGET_SECONDS, BUDGET_MB = 60.0, 1000.0

CHILD = r"""
import json, resource, sys
from m3h_lite.course.runner import run_notebook
result = run_notebook(sys.argv[1], html_dir=None, inplace=False)
peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"seconds": result.seconds, "peak_mb": peak_mb, "ok": result.ok,
                  "error": result.error}))
"""


def run(path: Path) -> dict:
    """Execute one notebook in a fresh, pinned process; return its time and peak memory."""
    command = [sys.executable, "-c", CHILD, str(path)]
    if sys.platform.startswith("linux"):
        command = ["taskset", "-c", "0", *command]
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    out = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    if out.returncode != 0 or not out.stdout.strip():
        return {
            "seconds": float("nan"),
            "peak_mb": float("nan"),
            "ok": False,
            "error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "?",
        }
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    width = max([len(p.name) for p in paths] + [8])
    print(f"{'notebook':<{width}}  {'seconds':>8}  {'peak MB':>8}  status   (one CPU core)")
    failed = 0
    for path in paths:
        r = run(path)
        over = r["seconds"] > BUDGET_SECONDS or r["peak_mb"] > BUDGET_MB
        status = "ok" if r["ok"] else "FAILED"
        if r["ok"] and over:
            status = "over budget"
        print(f"{path.name:<{width}}  {r['seconds']:>8.1f}  {r['peak_mb']:>8.0f}  {status}")
        if not r["ok"]:
            failed += 1
            print(f"  {r['error']}")
    print(f"budget per notebook: <= {BUDGET_SECONDS:.0f} s and < {BUDGET_MB:.0f} MB peak")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
