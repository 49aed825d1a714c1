"""The package layout reads as the course, and its modules import in one direction only."""

import ast
from pathlib import Path

import m3h_lite as m3h

PACKAGE = Path(m3h.__file__).resolve().parent
STAGES = {"hospital", "classical", "multitask", "fairness", "course"}
ON_TOP = {"plots", "widgets", "exercises"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every m3h_lite module ``path`` imports, at module level or inside a function."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("m3h_lite"):
                found.add(target)
                found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("m3h_lite"))
    return found


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        # an import of a package means its __init__; keep only real modules, not names
        graph[name] = {m for m in _imports(path) if m in modules and m != name}
    return graph


def test_top_level_shows_the_course_stages():
    entries = {p.name for p in PACKAGE.iterdir() if not p.name.startswith("__")}
    assert entries >= STAGES | ON_TOP
    loose = {e for e in entries if e.endswith(".py")}
    shared = {"evaluation.py", "splits.py", "numerics.py", "validation.py", "training.py"}
    assert loose <= shared, loose


def test_no_import_cycle():
    graph = _graph()
    graph.pop("m3h_lite", None)  # the lazy public API names every module by string only
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt) :] + [nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


def test_course_stages_do_not_import_each_other_or_the_layer_on_top():
    graph = _graph()
    science = {"classical", "multitask", "fairness"}
    for module, targets in graph.items():
        parts = module.split(".")
        if len(parts) < 2 or parts[1] not in science:
            continue
        for target in targets:
            stage = target.split(".")[1]
            assert stage not in (science - {parts[1]}) | ON_TOP | {"course"}, (
                f"{module} imports {target}: the course stages stay independent"
            )
