"""The tolerant notebook-output comparison: noise passes, real change fails.

Unit tests of :mod:`m3h_lite.course.output_compare`, then the nbval hook in
``notebooks/conftest.py`` run end to end on a tiny notebook whose stored output is edited.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from m3h_lite.course.output_compare import (
    TOLERANCES,
    compare_text,
    tolerance_for_tags,
)

FLOAT, TRAINING, ADVERSARIAL = (TOLERANCES[k] for k in ("float", "training", "adversarial"))
TABLE = "            auroc    ece\ntask                    \nsepsis      0.857  0.021\npneumonia   0.802  0.048\n"


def test_identical_text_matches():
    assert compare_text(TABLE, TABLE) is None


def test_last_digit_noise_passes():
    assert compare_text(TABLE, TABLE.replace("0.857", "0.858")) is None
    assert compare_text("gain 4.928", "gain 4.937") is None


def test_number_beyond_tolerance_fails_and_says_which():
    reason = compare_text(TABLE, TABLE.replace("0.857", "0.880"))
    assert reason is not None
    assert "0.857" in reason and "0.880" in reason and "float" in reason


def test_changed_word_fails():
    reason = compare_text(TABLE, TABLE.replace("sepsis", "stroke"))
    assert reason is not None and "text differs" in reason


def test_missing_row_fails():
    shorter = "\n".join(TABLE.splitlines()[:-1]) + "\n"
    assert compare_text(TABLE, shorter) is not None


def test_extra_number_fails():
    assert compare_text("AUROC 0.857", "AUROC 0.857 0.1") is not None


def test_repadded_columns_pass():
    # pandas widens a column when a value gains a minus sign or a digit.
    stored = "gain   0.001\nloss   0.003\n"
    fresh = "gain   -0.001\nloss    0.003\n"
    assert compare_text(stored, fresh) is None


def test_newlines_are_not_blanks():
    assert compare_text("a 0.5\nb 0.6", "a 0.5 b 0.6") is not None


def test_integers_exact_under_float_tolerance():
    assert compare_text("wins on 14 of 16", "wins on 13 of 16") is not None
    assert compare_text("(4000, 32)", "(4001, 32)") is not None


def test_training_tolerance_allows_wider_noise_and_integer_wobble():
    assert compare_text("share 0.255", "share 0.267", TRAINING) is None
    assert compare_text("CI low 0.45", "CI low 0.42", TRAINING) is None
    assert compare_text("wins on 14 of 16", "wins on 13 of 16", TRAINING) is None
    assert compare_text("share 0.255", "share 0.267", FLOAT) is not None


def test_training_tolerance_still_catches_real_change():
    assert compare_text("AUROC 0.80", "AUROC 0.70", TRAINING) is not None
    assert compare_text("wins on 14 of 16", "wins on 8 of 16", TRAINING) is not None


def test_adversarial_tolerance_is_widest_and_still_catches_a_changed_lesson():
    assert compare_text("encoding 0.716 gap 0.010", "encoding 0.791 gap 0.047", ADVERSARIAL) is None
    assert compare_text("encoding 0.716", "encoding 0.791", TRAINING) is not None
    assert compare_text("encoding 0.55", "encoding 0.95", ADVERSARIAL) is not None
    assert compare_text("dann  0.5", "erm  0.5", ADVERSARIAL) is not None


def test_identifiers_with_digits_are_text():
    assert compare_text("patient P000038", "patient P000039") is not None
    assert compare_text("dtype float32", "dtype float64", TRAINING) is not None


def test_nan_matches_only_nan():
    assert compare_text("value nan", "value nan") is None
    assert compare_text("value 0.5", "value nan") is not None


def test_scientific_notation_compared_as_numbers():
    assert compare_text("lr 1e-03", "lr 1.001e-03") is None
    assert compare_text("lr 1e-03", "lr 2e-03") is not None


def test_tolerance_from_tags():
    assert tolerance_for_tags(None) is FLOAT
    assert tolerance_for_tags(["other"]) is FLOAT
    assert tolerance_for_tags(["nbval-tolerance-training"]) is TRAINING
    assert tolerance_for_tags(["nbval-tolerance-adversarial"]) is ADVERSARIAL
    with pytest.raises(ValueError, match="single"):
        tolerance_for_tags(["nbval-tolerance-training", "nbval-tolerance-adversarial"])
    with pytest.raises(ValueError, match="nbval-tolerance-training"):
        tolerance_for_tags(["nbval-tolerance-loose"])


# -- the nbval hook, end to end ---------------------------------------------------------

CODE = 'print("sepsis AUROC 0.857 on 16 tasks")'
STORED = "sepsis AUROC 0.857 on 16 tasks\n"


def _run_nbval(tmp_path: Path, stored: str, tags: list[str] | None = None) -> int:
    cell = nbformat.v4.new_code_cell(CODE, metadata={"tags": tags or []})
    cell.execution_count = 1
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=stored)]
    nb = nbformat.v4.new_notebook(cells=[cell])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(nb, tmp_path / "tiny.ipynb")
    shutil.copy(Path(__file__).parents[1] / "notebooks" / "conftest.py", tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "tiny.ipynb", "-p", "no:cacheprovider", "-q"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.returncode


@pytest.mark.parametrize(
    ("stored", "tags", "passes"),
    [
        (STORED, None, True),
        (STORED.replace("0.857", "0.858"), None, True),  # noise within tolerance
        (STORED.replace("0.857", "0.900"), None, False),  # a number moved
        (STORED.replace("sepsis", "stroke"), None, False),  # a word changed
        (STORED.replace("16", "15"), None, False),  # a count changed
        (STORED.replace("0.857", "0.880"), ["nbval-tolerance-training"], True),
        (STORED.replace("0.857", "0.950"), ["nbval-tolerance-training"], False),
    ],
)
def test_nbval_hook_end_to_end(tmp_path, stored, tags, passes):
    assert (_run_nbval(tmp_path, stored, tags) == 0) is passes
