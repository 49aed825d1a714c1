"""The ``m3h-lite`` command line (also ``python -m m3h_lite``).

``doctor`` checks a machine for the course (run it before a workshop), ``generate`` writes
a cohort of any size and seed with its datasheet, ``run`` executes notebooks headless,
times them and writes HTML copies (``--inplace`` refreshes their stored outputs).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


def _generate(args: argparse.Namespace) -> int:
    from ..hospital.datasheet import write_datasheet
    from ..hospital.generate import generate_cohort
    from ..hospital.storage import save_cohort

    cohort = generate_cohort(
        args.n_patients,
        seed=args.seed,
        sites=args.sites,
        image_size=args.image_size,
        n_hours=args.hours,
        underdiagnosis=args.underdiagnosis,
        image_shortcut=args.image_shortcut,
        missingness=args.missingness,
        bias_off=args.bias_off,
    )
    folder = save_cohort(cohort, args.out)
    write_datasheet(cohort, folder)
    size = sum(p.stat().st_size for p in Path(folder).iterdir()) / 1e6
    print(f"Wrote {cohort!r}\n  to {folder} ({size:.1f} MB, with DATASHEET.md and SHA256SUMS)")
    return 0


def _doctor(args: argparse.Namespace) -> int:
    from .setup_check import doctor

    report = doctor(data_dir=args.data_dir, import_torch=True)
    print(report.to_text())
    return 0 if report.ok else 1


def _run(args: argparse.Namespace) -> int:
    from .runner import DEFAULT_NOTEBOOK_DIR, find_notebooks, run_notebook

    if args.timeout <= 0:
        raise ValueError(f"--timeout must be a positive number of seconds, got {args.timeout}.")
    paths = find_notebooks(args.notebooks, folder=args.folder or DEFAULT_NOTEBOOK_DIR)
    html_dir = None if args.no_html else args.html_dir
    width = max(len(p.name) for p in paths)
    failed = 0
    for path in paths:
        result = run_notebook(path, html_dir=html_dir, inplace=args.inplace, timeout=args.timeout)
        status = "ok" if result.ok else "FAILED"
        extra = " (outputs stored)" if args.inplace and result.ok else ""
        print(f"{path.name:<{width}}  {result.seconds:7.1f} s  {status}{extra}", flush=True)
        if not result.ok:
            failed += 1
            print(f"  {result.error}", file=sys.stderr)
    if html_dir is not None:
        print(f"HTML copies in {html_dir}/")
    if failed:
        print(f"{failed} of {len(paths)} notebook(s) failed.", file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="m3h-lite",
        description="m3h_lite: the synthetic hospital and its course, from the command line.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="write a synthetic cohort and its datasheet to a folder")
    gen.add_argument("--out", type=Path, required=True, help="folder to write (created if needed)")
    gen.add_argument("-n", "--n-patients", type=int, default=4000, help="number of patients")
    gen.add_argument("--seed", type=int, default=2024, help="random seed (default 2024)")
    gen.add_argument("--sites", nargs="+", default=None, help="site names (default: all)")
    gen.add_argument("--image-size", type=int, default=32, help="image side in pixels")
    gen.add_argument("--hours", type=int, default=48, help="hours of vital signs")
    for bias in ("underdiagnosis", "image-shortcut", "missingness"):
        gen.add_argument(f"--{bias}", type=float, default=None, help=f"{bias} strength in [0, 1]")
    gen.add_argument("--bias-off", action="store_true", help="switch every planted bias off")
    gen.set_defaults(func=_generate)

    doc = sub.add_parser("doctor", help="check Python, packages, widgets, CPU, memory and data")
    doc.add_argument("--data-dir", type=Path, default=None, help="cohort folder to verify")
    doc.set_defaults(func=_doctor)

    run = sub.add_parser("run", help="execute notebooks headless, time them, write HTML copies")
    run.add_argument(
        "notebooks", nargs="*", help="paths, names or prefixes like 01 (default: all notebooks)"
    )
    run.add_argument("--folder", type=Path, default=None, help="where to find notebooks by name")
    run.add_argument("--html-dir", type=Path, default=Path("_html"), help="default: _html/")
    run.add_argument("--no-html", action="store_true", help="do not write HTML copies")
    run.add_argument(
        "--inplace", action="store_true", help="store the new outputs back into the notebooks"
    )
    run.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell")
    run.set_defaults(func=_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, TypeError, KeyError, OSError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"m3h-lite {args.command}: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
