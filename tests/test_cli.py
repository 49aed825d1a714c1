"""The m3h-lite command: generate, doctor, run; bad arguments give exit code 2 and a message."""

import subprocess
import sys

import nbformat
import pytest

import m3h_lite as m3h
from m3h_lite.course import cli
from m3h_lite.course.setup_check import FAIL, OK, check_package, doctor


def test_generate_writes_a_cohort_with_datasheet(tmp_path, capsys):
    out = tmp_path / "small"
    assert cli.main(["generate", "--out", str(out), "-n", "120", "--seed", "3"]) == 0
    assert (out / "DATASHEET.md").exists() and (out / "SHA256SUMS").exists()
    cohort = m3h.load_cohort(out)
    assert len(cohort) == 120
    assert "Wrote Cohort(120 patients" in capsys.readouterr().out


def test_doctor_reports_every_check(capsys):
    code = cli.main(["doctor"])
    text = capsys.readouterr().out
    for name in ("python", "numpy", "torch", "ipywidgets", "widget extension", "memory"):
        assert name in text
    assert "data checksums" in text
    assert code == (0 if doctor().ok else 1)


def test_doctor_fails_with_a_fix_for_bad_data(tmp_path, capsys):
    assert cli.main(["doctor", "--data-dir", str(tmp_path)]) == 1
    text = capsys.readouterr().out
    assert "[problem] data checksums" in text and "fix:" in text and "git checkout" in text


def test_doctor_report_structure():
    report = doctor()
    assert report["numpy"].status == OK
    assert report["data checksums"].status == OK
    with pytest.raises(KeyError, match="No check named"):
        report["nothing"]
    missing = check_package("surely-not-installed-package", (1, 0), "testing")
    assert missing.status == FAIL and "make setup" in missing.fix
    old = check_package("numpy", (999, 0), "arrays")
    assert old.status == FAIL and "too old" in old.detail


def _tiny_notebook(path, source):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in source])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


def test_run_times_a_notebook_and_writes_html(tmp_path, capsys):
    notebook = _tiny_notebook(tmp_path / "00_tiny.ipynb", ["x = 6 * 7", "print(x)"])
    html_dir = tmp_path / "html"
    code = cli.main(["run", str(notebook), "--html-dir", str(html_dir), "--inplace"])
    out = capsys.readouterr().out
    assert code == 0 and "00_tiny.ipynb" in out and " s  ok" in out
    assert "42" in (html_dir / "00_tiny.html").read_text()
    stored = nbformat.read(notebook, as_version=4)
    assert stored.cells[1].outputs[0]["text"] == "42\n"
    assert "execution" not in stored.cells[1].metadata  # no timestamps: clean diffs


def test_run_names_the_failing_cell(tmp_path, capsys):
    notebook = _tiny_notebook(tmp_path / "01_broken.ipynb", ["y = 1", "1 / 0"])
    assert cli.main(["run", str(notebook), "--no-html", "--inplace"]) == 1
    err = capsys.readouterr().err
    assert "cell 1 ('1 / 0') raised ZeroDivisionError" in err
    assert not nbformat.read(notebook, as_version=4).cells[1].outputs  # not stored


def test_run_finds_notebooks_by_prefix(tmp_path):
    from m3h_lite.course.runner import find_notebooks

    for name in ("00_a.ipynb", "01_b.ipynb"):
        _tiny_notebook(tmp_path / name, ["1"])
    assert [p.name for p in find_notebooks(["01"], folder=tmp_path)] == ["01_b.ipynb"]
    assert len(find_notebooks(None, folder=tmp_path)) == 2
    with pytest.raises(FileNotFoundError, match="matches several"):
        find_notebooks(["0"], folder=tmp_path)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "99_nothing"], "matches no notebook"),
        (["run", "--timeout", "0"], "--timeout must be a positive"),
        (["generate", "--out", "x", "-n", "abc"], "invalid int value"),
        (["frobnicate"], "invalid choice"),
        ([], "required"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(argv, message, capsys):
    try:
        code = cli.main(argv)
    except SystemExit as exit_:  # argparse's own errors
        code = exit_.code
    assert code == 2
    assert message in capsys.readouterr().err


def test_python_dash_m_entry_point():
    result = subprocess.run(
        [sys.executable, "-m", "m3h_lite", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert "doctor" in result.stdout and "run" in result.stdout and "generate" in result.stdout


def test_run_shows_inline_figures_even_under_agg(tmp_path, monkeypatch):
    """Stored outputs match JupyterLab's: one figure, no extra result after a ``;``."""
    from m3h_lite.course.runner import run_notebook

    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = _tiny_notebook(
        tmp_path / "02_plot.ipynb", ["import matplotlib.pyplot as plt\nplt.plot([1, 2]);"]
    )
    assert run_notebook(notebook, inplace=True).ok
    outputs = nbformat.read(notebook, as_version=4).cells[0].outputs
    assert [o.output_type for o in outputs] == ["display_data"]
    assert "image/png" in outputs[0]["data"]


def test_run_reports_a_dead_kernel(tmp_path, capsys):
    notebook = _tiny_notebook(tmp_path / "03_crash.ipynb", ["import os\nos._exit(1)"])
    assert cli.main(["run", str(notebook), "--no-html"]) == 1
    assert "the kernel died" in capsys.readouterr().err


def test_run_refuses_a_file_that_is_not_a_notebook(tmp_path, capsys):
    path = tmp_path / "x.ipynb"
    path.write_text('{"a": 1}')
    assert cli.main(["run", str(path), "--no-html"]) == 2
    assert "is not a Jupyter notebook" in capsys.readouterr().err
