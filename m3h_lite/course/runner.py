"""Run course notebooks headless: time each one, store outputs, write HTML copies.

Used by ``m3h-lite run`` (instructors checking a machine before a workshop, maintainers
refreshing stored outputs after a library change) and by ``benchmarks/bench_notebooks.py``.
Introduced in notebook 00.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

DEFAULT_NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"


@dataclass(frozen=True)
class RunResult:
    """Outcome of one notebook: wall time, and where it failed if it did."""

    path: Path
    seconds: float
    ok: bool
    error: str = ""
    html: Path | None = None


def find_notebooks(
    names: list[str] | None = None, *, folder: str | Path = DEFAULT_NOTEBOOK_DIR
) -> list[Path]:
    """Notebook paths for ``names`` (paths, file names or prefixes like ``"01"``), or all.

    Raises ``FileNotFoundError`` naming what was not found and what exists.
    """
    folder = Path(folder)
    available = sorted(folder.glob("[0-9]*.ipynb")) if folder.is_dir() else []
    if not names:
        if not available:
            raise FileNotFoundError(f"No numbered notebooks (NN_name.ipynb) in {folder}.")
        return available
    found = []
    for name in names:
        path = Path(name)
        if path.suffix == ".ipynb" and path.is_file():
            found.append(path)
            continue
        matches = [p for p in available if p.name == name or p.name.startswith(name)]
        if len(matches) != 1:
            known = ", ".join(p.name for p in available) or "none"
            what = "matches no" if not matches else "matches several"
            raise FileNotFoundError(f"{name!r} {what} notebook in {folder} (there: {known}).")
        found.append(matches[0])
    return found


def _failing_cell(nb) -> str:
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
                return (
                    f"cell {index} ({first!r}) raised {output.get('ename')}: {output.get('evalue')}"
                )
    return ""


def run_notebook(
    path: str | Path,
    *,
    html_dir: str | Path | None = None,
    inplace: bool = False,
    timeout: int = 600,
    kernel_name: str = "python3",
) -> RunResult:
    """Execute one notebook top to bottom in a fresh kernel (its folder as working dir).

    Parameters
    ----------
    html_dir : write ``<name>.html`` there (skipped if None).
    inplace : store the new outputs back into the notebook file (only if it ran clean).
    timeout : seconds allowed per cell.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    path = Path(path)
    try:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
    except (ValueError, KeyError, AttributeError, nbformat.ValidationError) as error:
        # nbformat raises a JSON error for non-JSON and a schema error for other JSON
        raise ValueError(
            f"{path} is not a Jupyter notebook ({type(error).__name__}: {str(error)[:120]}). "
            "Give a .ipynb file, e.g. notebooks/01_meet_the_patients.ipynb."
        ) from None
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=kernel_name,
        resources={"metadata": {"path": str(path.parent.resolve())}},
        record_timing=False,
    )
    # A kernel inheriting MPLBACKEND=Agg (set by test suites) would draw no inline figures.
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    start = time.perf_counter()
    error = ""
    try:
        # The kernel's own log (not cell output) is noise here; cell stderr still arrives.
        client.execute(env=env, stderr=subprocess.DEVNULL)
    except DeadKernelError:
        error = "the kernel died (out of memory? `m3h-lite doctor` shows the memory available)"
    except CellTimeoutError as failure:
        error = f"a cell ran longer than {timeout} s: {str(failure).splitlines()[0]}"
    except CellExecutionError as failure:
        error = _failing_cell(nb) or str(failure).splitlines()[0]
    seconds = time.perf_counter() - start
    html_path = None
    if html_dir is not None:
        from nbconvert import HTMLExporter

        html_path = Path(html_dir) / f"{path.stem}.html"
        html_path.parent.mkdir(parents=True, exist_ok=True)
        body, _ = HTMLExporter().from_notebook_node(nb)
        html_path.write_text(body, encoding="utf-8")
    if inplace and not error:
        nbformat.write(nb, path)
    return RunResult(path=path, seconds=seconds, ok=not error, error=error, html=html_path)
