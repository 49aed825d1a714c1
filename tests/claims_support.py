"""Helpers for claims tests: tie a test to the notebook sentence it backs.

A claims test recomputes, through the public API, what a notebook's markdown says
("multitask wins on most diagnoses", "the probe reads race at AUROC above 0.9"). It first
calls :func:`says` with the words of that sentence, so that when the text is rewritten the
test fails and asks for its claim to be re-checked, and a claim can never silently lose the
test behind it. Statements about the synthetic world (not about one sample) are checked on
the shipped cohort and on the fresh worlds of :data:`CLAIM_SEEDS` (fixture ``world``).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import numpy as np
from scipy import stats

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"

# Seeds used nowhere else in the course or the benchmarks: a claim about the world must
# hold on worlds nobody tuned anything on. "shipped" is the cohort in data/synthetic.
CLAIM_SEEDS = (31, 57)
WORLDS = ("shipped", *CLAIM_SEEDS)


@cache
def markdown(prefix: str) -> str:
    """All markdown of notebook ``NN_*.ipynb``, whitespace collapsed to single spaces."""
    (path,) = NOTEBOOKS.glob(f"{prefix}_*.ipynb")
    cells = json.loads(path.read_text())["cells"]
    text = " ".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return re.sub(r"\s+", " ", text)


def says(prefix: str, phrase: str) -> None:
    """Fail unless notebook ``prefix``'s markdown still contains ``phrase``."""
    phrase = re.sub(r"\s+", " ", phrase)
    assert phrase in markdown(prefix), (
        f"Notebook {prefix} no longer says {phrase!r}: re-check the claim this test backs "
        "against the new text, then update the phrase (or the test)."
    )


def fast_auroc(y, p) -> float:
    """AUROC from ranks (Mann-Whitney U), for bootstraps of many replicates; equal to the
    library's AUROC (``test_claims_02.py::test_fast_auroc_is_the_library_auroc``)."""
    import m3h_lite as m3h

    y = np.asarray(y)
    n1 = int(y.sum())
    n0 = len(y) - n1
    if n1 == 0 or n0 == 0:
        raise m3h.UndefinedMetricError("AUROC needs both classes")
    ranks = stats.rankdata(p)
    return (ranks[y == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)
