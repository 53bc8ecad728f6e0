"""The house rules of the source tree: the top level shows only the rooms of the system, no
module is over 400 lines, no two modules import each other, directly or round a circle
(imports inside functions count; those only a type checker reads do not), and nothing imports
the command or the web application but what sits above them."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "openpcs"
TOP_LEVEL_FILES = {"__init__.py", "__main__.py", "errors.py", "resync.py", "py.typed"}
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its ``__init__``)."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _only_for_type_checkers(node: ast.stmt) -> bool:
    """Whether ``node`` is ``if TYPE_CHECKING:`` (or ``typing.TYPE_CHECKING``)."""
    if not isinstance(node, ast.If):
        return False
    test = node.test
    name = test.attr if isinstance(test, ast.Attribute) else getattr(test, "id", None)
    return name == "TYPE_CHECKING"


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement of ``body`` and of the blocks within it (functions, classes, loops,
    ``try``, ``with``, ``match`` cases), except what runs only under ``if TYPE_CHECKING:``."""
    for node in body:
        if _only_for_type_checkers(node):
            assert isinstance(node, ast.If)
            yield from _statements(node.orelse)
            continue
        yield node
        for block in ("body", "orelse", "finalbody"):
            inner = getattr(node, block, None)
            if isinstance(inner, list):
                yield from _statements([n for n in inner if isinstance(n, ast.stmt)])
        for part in (*getattr(node, "handlers", ()), *getattr(node, "cases", ())):
            yield from _statements(part.body)


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules that module ``name`` imports."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    named: set[str] = set()
    for node in _statements(ast.parse(path.read_text()).body):
        if isinstance(node, ast.Import):
            named.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            named.add(module)
            named.update(f"{module}.{alias.name}" for alias in node.names)
    return {m for m in named if m in modules and m != name}


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    order: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        order[module] = lowest[module] = len(order)
        stack.append(module)
        for other in graph[module]:
            if other not in order:
                visit(other)
                lowest[module] = min(lowest[module], lowest[other])
            elif other in stack:
                lowest[module] = min(lowest[module], order[other])
        if lowest[module] == order[module]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph):
        if module not in order:
            visit(module)
    return found


def test_the_top_level_holds_only_the_rooms() -> None:
    loose = {
        entry.name
        for entry in PACKAGE.iterdir()
        if entry.is_file() and entry.name not in TOP_LEVEL_FILES
    }
    assert loose == set(), "these belong in a package"


def test_no_module_is_over_400_lines() -> None:
    long = {
        str(path.relative_to(PACKAGE)): lines
        for path in PACKAGE.rglob("*.py")
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_no_import_circle() -> None:
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    assert "openpcs.ncd.sealing" in graph["openpcs.ncd.mesh"]  # the graph sees imports
    assert _circles(graph) == []


def test_nothing_below_imports_the_command_or_the_web_application() -> None:
    modules = _modules()
    above = {
        "openpcs.cli": ("openpcs.cli", "openpcs.__main__"),
        "openpcs.web": ("openpcs.web", "openpcs.cli"),
    }
    wrong = sorted(
        f"{name} imports {target}"
        for name, path in modules.items()
        for target in _imports(name, path, modules)
        for room, allowed in above.items()
        if (target == room or target.startswith(room + "."))
        and not any(name == a or name.startswith(a + ".") for a in allowed)
    )
    assert wrong == []


def test_a_circle_is_found() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _circles(graph) == [["a", "b", "c"]]


def test_imports_are_found_in_every_block_but_the_type_checkers() -> None:
    source = """
import openpcs.a
if TYPE_CHECKING:
    import openpcs.hidden
if not TYPE_CHECKING:
    import openpcs.b
def f():
    try:
        import openpcs.c
    except ImportError:
        import openpcs.d
    match x:
        case 1:
            from openpcs import e
"""
    found = set()
    for node in _statements(ast.parse(source).body):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    assert found == {f"openpcs.{name}" for name in "abcde"}
