"""The install files stay in step, and the package imports fast with no side effects."""

import re
import subprocess
import sys
from pathlib import Path

import tomllib
import yaml

ROOT = Path(__file__).resolve().parents[1]
CONDA_NAMES = {"torch": "pytorch-cpu", "matplotlib": "matplotlib-base"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement, maxsplit=1)[0].strip().lower().replace("_", "-")


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["test"]
    pip_names = {CONDA_NAMES.get(_name(r), _name(r)) for r in wanted}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda_names = {_name(d) for d in env["dependencies"] if isinstance(d, str)}
    conda_names -= {"python", "pip"}
    assert pip_names == conda_names, pip_names ^ conda_names
    assert "conda-forge" in env["channels"]
    assert "pytorch-cpu" in conda_names and "pytorch" not in conda_names


def test_ci_calls_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make test" in ci


def test_import_is_light():
    code = (
        "import sys, m3h_lite as m; "
        "assert 'torch' not in sys.modules and 'matplotlib' not in sys.modules; "
        "print(m.__version__)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
