"""The setup check reads container limits and warns, with a fix, when memory is short."""

import m3h_lite as m3h
from m3h_lite.course import setup_check as doc


def _fake_cgroup(values):
    def read(*candidates):
        for candidate in candidates:
            if candidate in values:
                return values[candidate]
        return None

    return read


def test_container_limits_are_parsed(monkeypatch):
    monkeypatch.setattr(
        doc,
        "_read_cgroup",
        _fake_cgroup(
            {
                "/sys/fs/cgroup/memory.max": str(2 * 10**9),
                "/sys/fs/cgroup/cpu.max": "100000 100000",
                "/sys/fs/cgroup/memory.current": str(10**9),
            }
        ),
    )
    assert doc.container_memory_limit() == 2e9
    assert doc.container_cpu_quota() == 1.0
    cpu, memory = doc.check_resources()
    if doc.container_cpu_quota() < len(doc.os.sched_getaffinity(0)):
        assert "container quota 1 CPU" in cpu.detail
    assert "container limit 2.0 GB, about 1.0 GB available" in memory.detail
    assert memory.status == doc.WARN and "Shut Down All Kernels" in memory.fix


def test_unlimited_container_uses_host_memory(monkeypatch):
    monkeypatch.setattr(
        doc,
        "_read_cgroup",
        _fake_cgroup({"/sys/fs/cgroup/memory.max": "max", "/sys/fs/cgroup/cpu.max": "max 100000"}),
    )
    assert doc.container_memory_limit() is None and doc.container_cpu_quota() is None
    assert "GB total" in doc.check_resources()[1].detail


def test_missing_widget_extension_is_a_problem(monkeypatch):
    monkeypatch.setattr(doc, "widget_extension_dirs", lambda: [])
    report = doc.doctor()
    assert not report.ok and report.problems[0].name == "widget extension"
    assert "model not found" in report["widget extension"].detail
    assert "1 problem(s)" in report.to_text()


def test_doctor_is_public_and_light():
    assert m3h.doctor is doc.doctor
    assert isinstance(m3h.doctor(), m3h.DoctorReport)


def test_doctor_names_the_numeric_platform(monkeypatch):
    monkeypatch.setenv("ATEN_CPU_CAPABILITY", "default")
    lines = {c.name: c for c in doc.check_numeric_platform()}
    assert all(c.status == doc.OK for c in lines.values())
    assert "ATEN_CPU_CAPABILITY=default" in lines["numeric: environment"].detail
    assert "CPU capability" in lines["numeric: torch"].detail
    blas = [c.detail for name, c in lines.items() if "(blas)" in name]
    assert blas and all("kernel" in detail and "threads" in detail for detail in blas)


def test_one_thread_pins_and_restores_torch_and_blas():
    import torch
    from threadpoolctl import threadpool_info

    from m3h_lite.numerics import one_thread

    torch.set_num_threads(2)
    with one_thread():
        assert torch.get_num_threads() == 1
        assert all(pool["num_threads"] == 1 for pool in threadpool_info())
    assert torch.get_num_threads() == 2


def test_doctor_stays_light_unless_asked_to_import_torch():
    import subprocess
    import sys

    code = (
        "import sys, m3h_lite as m; r = m.doctor(); "
        "assert 'torch' not in sys.modules; print(r['numeric: torch'].detail)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "m3h-lite doctor" in result.stdout
