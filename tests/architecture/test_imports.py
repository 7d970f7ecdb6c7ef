"""The package's shape: data flows one way (inputs → evidence → assessment → documents → command line).

Imports are read from the source (every `import`, at any depth, including the late ones inside a
function), so a cycle hidden behind a late import fails here too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "assess"

LAYERS = (
    ("assess.errors", "assess.atomic", "assess.lock", "assess.caches"),
    ("assess.config",),
    ("assess.evidence",),
    ("assess.assessment",),
    ("assess.render", "assess.workbook"),
    ("assess.pipeline",),
    ("assess.cli", "assess.__main__", "assess"),
)
"""Stages in pipeline order: a module may import its own stage and the stages before it, never after."""

RESULT_MODEL = "assess.assessment.model"
RESULT_MODEL_MAY_IMPORT = {"assess.config.records", "assess.config.standard", "assess.config.project", "assess.evidence.model"}
"""The result models carry the input models they describe and import nothing that computes."""


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every assess module this file imports (`from assess.x import y` counts y when it is a module)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return {module for module in found if module in MODULES}


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}
GRAPH = {module: imports_of(path) - {module} for module, path in MODULES.items()}


def layer_of(module: str) -> int:
    """The stage a module belongs to: the longest matching prefix wins."""
    matches = [
        (len(prefix), index)
        for index, prefixes in enumerate(LAYERS)
        for prefix in prefixes
        if module == prefix or module.startswith(prefix + ".")
    ]
    assert matches, f"{module} belongs to no stage: add it to LAYERS"
    return max(matches)[1]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def package_imports(module: str) -> set[str]:
    """A package's own __init__ is imported with any of its modules: that edge is not a dependency."""
    return {target for target in GRAPH[module] if not module.startswith(target + ".")}


def test_no_import_cycle():
    graph = {module: package_imports(module) for module in GRAPH}
    assert cycles(graph) == []


def test_the_cycle_check_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_no_module_imports_a_later_stage(module):
    later = sorted(target for target in package_imports(module) if layer_of(target) > layer_of(module))
    assert later == [], f"{module} imports later stages"


def test_result_models_import_only_the_models_they_carry():
    assert GRAPH[RESULT_MODEL] - {"assess", "assess.assessment"} <= RESULT_MODEL_MAY_IMPORT


def test_code_stamps_name_modules_that_exist():
    from assess.caches import code_stamp
    from assess.evidence.index import INDEX_CODE
    from assess.render.dossier.reuse import EVIDENCE_CODE

    for modules in (INDEX_CODE, EVIDENCE_CODE):
        assert all(module in MODULES for module in modules)
        assert len(code_stamp(*modules)) == 32


def test_no_code_depends_on_where_its_file_sits():
    """No `Path(__file__)` globbing to fingerprint code, no `-m module.path` string to start a process."""
    for module, path in MODULES.items():
        text = path.read_text(encoding="utf-8")
        assert "__file__).parent.glob" not in text, module
        assert '"-m", "assess' not in text, module
