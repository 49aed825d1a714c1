"""Is this machine ready for the course? A setup check for learners and instructors.

:func:`doctor` inspects the Python version, the key packages, the JupyterLab widget
extension, CPU and memory, and the shipped data's checksums, and says how to fix each
problem. It also names the numeric platform (CPU instruction sets, BLAS kernel, PyTorch's
CPU capability, thread counts), which decides the last digits a notebook prints. The ``m3h-lite doctor`` command prints the same report; an instructor runs it
before a workshop. Introduced in notebook 00.
"""

from __future__ import annotations

import os
import platform
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

OK, WARN, FAIL = "ok", "warning", "problem"

# distribution name -> (minimum major.minor, why it matters)
PACKAGES: dict[str, tuple[tuple[int, int], str]] = {
    "numpy": ((1, 26), "arrays"),
    "pandas": ((2, 1), "tables"),
    "scikit-learn": ((1, 4), "baselines and metrics"),
    "torch": ((2, 2), "multitask models (CPU build is enough)"),
    "matplotlib": ((3, 8), "figures"),
    "ipywidgets": ((8, 1), "interactive widgets (JupyterLab 4 needs ipywidgets 8)"),
    "jupyterlab": ((4, 0), "the notebook interface"),
    "jupyterlab_widgets": ((3, 0), "the JupyterLab widget extension"),
    "fairlearn": ((0, 10), "fairness metrics"),
    "nbval": ((0, 11), "testing the notebooks"),
}
MIN_PYTHON = (3, 10)
MIN_MEMORY_GB = 1.5
INSTALL_FIX = "run `make setup` (or `pip install -e .[test]`) in the repository"


@dataclass(frozen=True)
class Check:
    """One line of the report: what was checked, the outcome, and the fix if needed."""

    name: str
    status: str
    detail: str
    fix: str = ""


@dataclass
class DoctorReport:
    """All checks. ``ok`` is False when any check found a problem (warnings are fine)."""

    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.status != FAIL for c in self.checks)

    @property
    def problems(self) -> list[Check]:
        return [c for c in self.checks if c.status == FAIL]

    def __getitem__(self, name: str) -> Check:
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(f"No check named {name!r}; checks: {[c.name for c in self.checks]}.")

    def to_text(self) -> str:
        """The report as aligned plain text, fixes indented under their check."""
        width = max(len(c.name) for c in self.checks)
        lines = []
        for c in self.checks:
            lines.append(f"[{c.status:^7}] {c.name:<{width}}  {c.detail}")
            if c.fix and c.status != OK:
                lines.append(f"{'':10}{'':<{width}}  fix: {c.fix}")
        verdict = (
            "Ready for the course."
            if self.ok
            else f"{len(self.problems)} problem(s) to fix before the course (see 'fix:' above)."
        )
        return "\n".join([*lines, verdict])

    def __repr__(self) -> str:
        return self.to_text()


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split("+")[0].split(".")[:2]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def check_package(name: str, minimum: tuple[int, int], why: str) -> Check:
    """Installed version of one distribution against the minimum the course needs."""
    try:
        version = metadata.version(name)
    except metadata.PackageNotFoundError:
        return Check(name, FAIL, f"not installed (needed for {why})", INSTALL_FIX)
    if _version_tuple(version) < minimum:
        want = ".".join(map(str, minimum))
        return Check(
            name,
            FAIL,
            f"{version} is too old (need >= {want}, for {why})",
            f'pip install "{name}>={want}"',
        )
    return Check(name, OK, version)


def check_python() -> Check:
    version = platform.python_version()
    if sys.version_info[:2] < MIN_PYTHON:
        want = ".".join(map(str, MIN_PYTHON))
        return Check("python", FAIL, f"{version} (need >= {want})", f"install Python >= {want}")
    return Check("python", OK, f"{version} ({sys.executable})")


def widget_extension_dirs() -> list[Path]:
    """Folders where JupyterLab would find the widget manager extension."""
    try:
        from jupyter_core.paths import jupyter_path

        roots = [Path(p) for p in jupyter_path("labextensions")]
    except ImportError:
        roots = [Path(sys.prefix) / "share" / "jupyter" / "labextensions"]
    target = Path("@jupyter-widgets") / "jupyterlab-manager"
    return [root / target for root in roots if (root / target).is_dir()]


def check_widget_extension() -> Check:
    """Is the JupyterLab widget manager extension installed (else: "model not found")?"""
    found = widget_extension_dirs()
    if not found:
        return Check(
            "widget extension",
            FAIL,
            "@jupyter-widgets/jupyterlab-manager not found: widgets would show 'model not found'",
            'pip install "jupyterlab_widgets>=3" "ipywidgets>=8", then restart JupyterLab',
        )
    return Check("widget extension", OK, f"@jupyter-widgets/jupyterlab-manager in {found[0]}")


def _read_cgroup(*candidates: str) -> str | None:
    for candidate in candidates:
        path = Path(candidate)
        if path.is_file():
            try:
                return path.read_text().strip()
            except OSError:
                continue
    return None


def container_memory_limit() -> float | None:
    """Memory limit of this container in bytes (Binder, Docker), or None if unlimited."""
    text = _read_cgroup("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")
    if text is None or not text.isdigit() or int(text) >= 2**60:
        return None
    return float(text)


def container_cpu_quota() -> float | None:
    """CPUs this container may use (cgroup quota), or None if unlimited."""
    text = _read_cgroup("/sys/fs/cgroup/cpu.max")
    if text is not None:
        quota, _, period = text.partition(" ")
        if quota.isdigit() and period.isdigit():
            return int(quota) / int(period)
    return None


def check_resources(*, min_memory_gb: float = MIN_MEMORY_GB) -> list[Check]:
    """CPU count and memory (a Binder session has about 1 CPU and 2 GB).

    Inside a container the cgroup limits count, not the host's cores and memory.
    """
    import psutil

    cpus = os.cpu_count() or 1
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cpus
    cpu_detail = f"{usable} usable of {cpus} logical cores"
    quota = container_cpu_quota()
    if quota is not None and quota < usable:
        cpu_detail += f", container quota {quota:g} CPU"
    memory = psutil.virtual_memory()
    total, available = memory.total / 1e9, memory.available / 1e9
    memory_detail = f"{total:.1f} GB total, {available:.1f} GB available"
    limit = container_memory_limit()
    if limit is not None and limit / 1e9 < total:
        used = psutil.Process().memory_info().rss
        current = _read_cgroup("/sys/fs/cgroup/memory.current")
        if current is not None and current.isdigit():
            used = int(current)
        total, available = limit / 1e9, max(0.0, (limit - used) / 1e9)
        memory_detail = f"container limit {total:.1f} GB, about {available:.1f} GB available"
    checks = [Check("cpu", OK, cpu_detail)]
    if available < min_memory_gb:
        checks.append(
            Check(
                "memory",
                WARN,
                memory_detail + f" (a notebook may need up to {MIN_MEMORY_GB:g} GB)",
                "shut down other kernels (Kernel > Shut Down All Kernels) and close other programs",
            )
        )
    else:
        checks.append(Check("memory", OK, memory_detail))
    return checks


def check_data(folder: str | Path | None = None) -> Check:
    """Checksums of the shipped cohort files (corrupted or edited data fail here)."""
    from ..hospital.storage import CohortFileError, default_data_dir, verify_checksums

    folder = Path(folder) if folder is not None else default_data_dir()
    try:
        files = verify_checksums(folder)
    except CohortFileError as error:
        return Check("data checksums", FAIL, error.problem, error.fix)
    return Check("data checksums", OK, f"{len(files)} files match SHA256SUMS in {folder}")


def check_numeric_platform(*, include_torch: bool = True) -> list[Check]:
    """The numeric platform, one informational line per part (never a problem).

    Other CPUs print other last digits; this tells an instructor why, and the notebook
    checks tolerate it (``notebooks/README.md``).
    """
    from ..numerics import numeric_platform

    return [
        Check(f"numeric: {name}", OK, detail)
        for name, detail in numeric_platform(include_torch=include_torch).items()
    ]


def doctor(*, data_dir: str | Path | None = None, import_torch: bool = False) -> DoctorReport:
    """Check this machine for the course: Python, packages, widgets, CPU, memory, data,
    and the numeric platform.

    Returns a :class:`DoctorReport` (printable; ``report.ok`` is False if anything must be
    fixed). Versions are read from package metadata. ``import_torch=True`` (what
    ``m3h-lite doctor`` does) also imports PyTorch to report its CPU capability and threads;
    the default stays light (PyTorch costs a notebook about 2 s and 200 MB) and reports
    PyTorch's CPU path only if it is already imported.
    Introduced in notebook 00.
    """
    checks = [check_python()]
    checks += [check_package(name, *spec) for name, spec in PACKAGES.items()]
    checks.append(check_widget_extension())
    checks += check_resources()
    checks.append(check_data(data_dir))
    checks += check_numeric_platform(include_torch=import_torch or "torch" in sys.modules)
    return DoctorReport(checks)
