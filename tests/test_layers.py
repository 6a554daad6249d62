"""The package's folders are its layers: imports point down only, and there is no cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import advisor

PACKAGE = Path(advisor.__file__).parent
# Lower first. A module may import its own folder, or a folder of a lower layer.
LAYERS = [
    {"errors", "version", "memo"},
    {"knowledge"},
    {"language", "inference"},
    {"dialog"},
    {"authoring", "transcripts", "importing"},
    {"terminal", "web"},
    {"cli", "__init__"},
    {"__main__"},
]


def layer(name: str) -> int:
    return next(n for n, names in enumerate(LAYERS) if name in names)


def imports() -> dict[str, set[str]]:
    """For each module of advisor, the advisor modules and packages it imports."""
    found: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.startswith("advisor")
            ):
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                names.update(a.name for a in node.names if a.name.startswith("advisor"))
        found[module] = names
    return found


def top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_imports_point_down() -> None:
    wrong = []
    for module, names in imports().items():
        mine = top(module)
        for name in names:
            theirs = top(name)
            if name == "advisor" or theirs == mine:
                continue
            if layer(theirs) >= layer(mine):
                wrong.append(f"{module} imports {name}")
    assert wrong == []


def test_no_module_imports_itself_through_others() -> None:
    graph = imports()
    modules = set(graph)

    def reach(start: str) -> set[str]:
        seen: set[str] = set()
        todo = [start]
        while todo:
            for name in graph.get(todo.pop(), ()):
                if name in modules and name not in seen:
                    seen.add(name)
                    todo.append(name)
        return seen

    assert [m for m in modules if m in reach(m) and m != "advisor"] == []
