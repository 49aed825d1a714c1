"""Time cohort generation (all four modalities) and loading, with peak memory.

Each measurement runs in a fresh Python process pinned to one CPU core (like a Binder
session), so peak memory is that run's own. Run: ``python benchmarks/bench_generate.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

CHILD = r"""
import json, resource, sys, time
import m3h_lite as m3h
kind, n = sys.argv[1], int(sys.argv[2])
start = time.perf_counter()
if kind == "generate":
    cohort = m3h.generate_cohort(n)
else:
    cohort = m3h.load_cohort()
seconds = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"what": kind, "patients": len(cohort), "seconds": seconds, "peak_mb": peak_mb}))
"""


def run(kind: str, n: int) -> dict:
    command = [sys.executable, "-c", CHILD, kind, str(n)]
    if sys.platform.startswith("linux"):
        command = ["taskset", "-c", "0", *command]
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    out = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    print(f"{'what':<10}{'patients':>10}{'seconds':>10}{'peak MB':>10}   (one CPU core)")
    for kind, n in (("load", 0), ("generate", 10_000), ("generate", 100_000)):
        r = run(kind, n)
        print(f"{r['what']:<10}{r['patients']:>10}{r['seconds']:>10.2f}{r['peak_mb']:>10.0f}")


if __name__ == "__main__":
    main()
