"""Numeric determinism where it is cheap, and a description of the numeric platform.

Why: the same code on another CPU gives other last digits (OpenBLAS and PyTorch choose
kernels by instruction set), and on the same CPU another thread count sums in another
order. The thread count is the part we can pin without cost to a one-core learner, so every
fit and prediction in the package runs inside :func:`one_thread`. The rest cannot be pinned
with stock wheels; :func:`numeric_platform` names it (``m3h-lite doctor`` prints it), and the
notebooks' stored outputs are compared within a tolerance (``notebooks/README.md``).
Introduced in notebook 00 (the setup check).
"""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata

__all__ = ["numeric_platform", "one_thread"]

# Environment variables that change which kernels run or how many threads they use.
NUMERIC_ENV = (
    "OPENBLAS_CORETYPE",
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "MKL_CBWR",
    "ATEN_CPU_CAPABILITY",
)


@contextmanager
def one_thread() -> Iterator[None]:
    """Run BLAS/OpenMP and PyTorch on one thread inside the block, then restore both.

    One thread sums in one order on any machine's core count, and costs nothing on a
    one-core Binder session. PyTorch is touched only if something already imported it.
    """
    from threadpoolctl import threadpool_limits

    torch = sys.modules.get("torch")
    previous = torch.get_num_threads() if torch is not None else None
    try:
        if torch is not None:
            torch.set_num_threads(1)
        with threadpool_limits(limits=1):
            yield
    finally:
        if torch is not None and previous is not None:
            torch.set_num_threads(previous)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _cpu_flags() -> list[str]:
    wanted = ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512_vnni", "amx_tile")
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith(("flags", "Features")):
                    present = set(line.split(":", 1)[1].split())
                    return [flag for flag in wanted if flag in present]
    except OSError:
        pass
    return []


def numeric_platform(*, include_torch: bool = True) -> dict[str, str]:
    """What decides the last digits here: CPU, BLAS kernels, PyTorch's CPU path, threads.

    Returns an ordered ``{name: description}`` mapping (``m3h-lite doctor`` prints it).
    ``include_torch=False`` skips importing PyTorch (about a second).
    """
    import numpy as np
    from threadpoolctl import threadpool_info

    torch = None
    if include_torch:
        try:
            import torch  # before threadpool_info, so its OpenMP pool is listed too
        except ImportError:
            torch = None
    info: dict[str, str] = {
        "cpu": f"{_cpu_model()} ({platform.machine()})",
        "cpu instruction sets": ", ".join(_cpu_flags()) or "unknown",
    }
    info["numpy"] = np.__version__
    for pool in threadpool_info():
        name = f"{pool.get('internal_api', '?')} ({pool.get('user_api', '?')})"
        kernel = pool.get("architecture") or "-"
        info[f"thread pool {name}"] = (
            f"version {pool.get('version') or '?'}, kernel {kernel}, "
            f"{pool.get('num_threads')} threads, {os.path.basename(pool.get('filepath', ''))}"
        )
    if not include_torch:
        info["torch"] = "not imported here (`m3h-lite doctor` reports its CPU capability)"
    elif torch is None:
        info["torch"] = "not installed"
    elif torch is not None:
        capability = torch.backends.cpu.get_cpu_capability()
        info["torch"] = (
            f"{torch.__version__}, CPU capability {capability}, "
            f"{torch.get_num_threads()} threads, MKL {torch.backends.mkl.is_available()}, "
            f"oneDNN {torch.backends.mkldnn.is_available()}"
        )
    for name in ("scikit-learn", "scipy"):
        try:
            info[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            info[name] = "not installed"
    set_env = [f"{key}={os.environ[key]}" for key in NUMERIC_ENV if key in os.environ]
    info["environment"] = ", ".join(set_env) or "none of " + ", ".join(NUMERIC_ENV)
    return info
