"""The package's import graph: no cycles (lazy imports inside functions count too), and the core never
imports the web, UI or database libraries."""

from __future__ import annotations

import ast
from pathlib import Path

import musicgen_app

PACKAGE_DIR = Path(musicgen_app.__file__).parent
#: Adapters and stores: the only modules allowed to import these libraries.
_ADAPTER_LIBRARIES = {"fastapi", "gradio", "sqlalchemy", "starlette", "uvicorn"}
_ADAPTERS = (
    "musicgen_app.api",
    "musicgen_app.web",
    "musicgen_app.schemas",
    "musicgen_app.ui",
    "musicgen_app.store.db",
    "musicgen_app.store.schema",
    "musicgen_app.store.migrations",
    "musicgen_app.store.models",
    "musicgen_app.store.tracks",
    "musicgen_app.store.idempotency",
    "musicgen_app.store.rate_hits",
    "musicgen_app.jobs.webhooks",  # the outbox: its queue is a table
    "musicgen_app.cli",
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE_DIR.rglob("*.py")}


def _imports(name: str, path: Path, known: set[str]) -> tuple[set[str], set[str]]:
    """(modules of the package ``name`` imports, top-level names of outside libraries it imports)."""
    is_package = path.name == "__init__.py"
    here = name.split(".") if is_package else name.split(".")[:-1]
    inside, outside = set(), set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in known:
                    inside.add(alias.name)
                else:
                    outside.add(alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if not target.startswith("musicgen_app"):
                outside.add(target.split(".")[0])
                continue
            submodules = {f"{target}.{alias.name}" for alias in node.names} & known
            inside.update(submodules)
            if len(submodules) < len(node.names):  # names defined in the module itself
                inside.add(target)
    return {m for m in inside if m in known and m != name}, outside


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, set(modules))[0] for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_package_has_no_import_cycle() -> None:
    assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_the_core_never_imports_web_ui_or_database_libraries() -> None:
    modules = _modules()
    offenders = {}
    for name, path in modules.items():
        if name.startswith(_ADAPTERS):
            continue
        bad = _imports(name, path, set(modules))[1] & _ADAPTER_LIBRARIES
        if bad:
            offenders[name] = sorted(bad)
    assert offenders == {}
