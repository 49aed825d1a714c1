"""Run the test suite under simulated numeric platforms and print a pass/fail table.

Other CPUs pick other BLAS and PyTorch kernels; this machine can imitate several of them
with environment variables. Each row runs the same pytest command as ``make test`` (unit
tests and every notebook under nbval with the tolerant comparison) with one variable set
and the other numeric variables removed, so the stored outputs are shown to pass on more
than the platform that made them.

    python benchmarks/numeric_matrix.py                 # all rows, two at a time
    python benchmarks/numeric_matrix.py --only notebooks --jobs 1
    python benchmarks/numeric_matrix.py --rows haswell aten-default

Each run is pinned to one core (``taskset``) where available. Takes several minutes per
row; not part of ``make test``. Results are also written to
``benchmarks/results/numeric_matrix.md``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from m3h_lite.numerics import NUMERIC_ENV  # noqa: E402

ROWS: dict[str, dict[str, str]] = {
    "haswell": {"OPENBLAS_CORETYPE": "Haswell"},
    "openblas-auto": {},
    "aten-default": {"ATEN_CPU_CAPABILITY": "default"},
    "aten-avx2": {"ATEN_CPU_CAPABILITY": "avx2"},
    "mkl-compatible": {"MKL_CBWR": "COMPATIBLE"},
    "omp-1": {"OMP_NUM_THREADS": "1"},
    "omp-2": {"OMP_NUM_THREADS": "2"},
}
TARGETS = {"all": ["tests", "notebooks"], "notebooks": ["notebooks"], "tests": ["tests"]}


def pytest_command(targets: list[str]) -> list[str]:
    """The pytest part of ``make test`` (keep in step with the Makefile)."""
    return [
        sys.executable,
        "-m",
        "pytest",
        *targets,
        "--nbval",
        "--nbval-sanitize-with",
        "notebooks/nbval_sanitize.cfg",
        "-p",
        "no:cacheprovider",
        "-q",
    ]


def run_row(
    name: str, targets: list[str], core: int | None
) -> tuple[str, str, float, str, list[str]]:
    env = {k: v for k, v in os.environ.items() if k not in NUMERIC_ENV}
    env.update(ROWS[name])
    command = pytest_command(targets)
    if core is not None and shutil.which("taskset"):
        command = ["taskset", "-c", str(core), *command]
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    lines = result.stdout.strip().splitlines()
    summary = lines[-1].strip("= ") if lines else "no output"
    failed = [line.split(" - ")[0] for line in lines if line.startswith("FAILED ")]
    return name, ("pass" if result.returncode == 0 else "FAIL"), seconds, summary, failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", nargs="*", choices=list(ROWS), default=list(ROWS))
    parser.add_argument("--only", choices=list(TARGETS), default="all")
    parser.add_argument("--jobs", type=int, default=2, help="rows run at once (one core each)")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else [None]
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = [
            pool.submit(run_row, name, TARGETS[args.only], cores[i % len(cores)])
            for i, name in enumerate(args.rows)
        ]
        results = [future.result() for future in futures]
    table = ["| row | environment | result | seconds | pytest summary |", "|---|---|---|---|---|"]
    for name, status, seconds, summary, _failed in results:
        setting = ", ".join(f"{k}={v}" for k, v in ROWS[name].items()) or "numeric variables unset"
        table.append(f"| {name} | {setting} | {status} | {seconds:.0f} | {summary} |")
    text = "\n".join(table)
    failures = [(name, failed) for name, _, _, _, failed in results if failed]
    for name, failed in failures:
        text += f"\n\n{name} failed:\n" + "\n".join("- " + re.sub(r"\s+", " ", f) for f in failed)
    print(text)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "numeric_matrix.md").write_text(text + "\n")
    return 0 if all(status == "pass" for _, status, *_ in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
