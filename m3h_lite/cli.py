"""The ``m3h-lite`` command line (also ``python -m m3h_lite``).

``generate`` writes a cohort of any size and seed with its datasheet.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


def _generate(args: argparse.Namespace) -> int:
    from .hospital.datasheet import write_datasheet
    from .hospital.generate import generate_cohort
    from .hospital.storage import save_cohort

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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, TypeError, KeyError, OSError) as error:
        print(f"m3h-lite {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
