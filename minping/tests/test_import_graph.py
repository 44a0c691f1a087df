"""How the apps depend on each other, read from their imports (module and function level).

- ``lib`` is shared helpers: it imports no domain app.
- The pure modules (the definition and its respondent categories, participation, the engine)
  import only the standard library and each other: no Django, no ORM, no I/O (DESIGN
  principle 1).
- No import cycle between modules of different apps, and none between apps, except the
  few listed below with the reason they remain; a new one fails here. A pure module
  counts on its own, not as its app: importing it brings in nothing of the app.

Tests and migrations are left out: they may import anything.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the minping package
PURE = {
    "minping.lib.errors",
    "minping.campaigns.definition",
    "minping.campaigns.categories",
    "minping.campaigns.participation",
    "minping.scoring.engine",
}
# App-level edges still closing a cycle, and why; remove a pair once its cycle is gone.
KNOWN_CYCLE_EDGES = {
    # `minping import` (campaigns/management/commands/import.py) calls every app's import
    # action, and those apps' records belong to a campaign.
    ("campaigns", "oversight"),
    ("campaigns", "surveys"),
    ("oversight", "campaigns"),
    ("surveys", "campaigns"),
}


def modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        if "tests" in parts or "migrations" in parts:
            continue
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(path: Path, known: dict[str, Path]) -> set[str]:
    """The minping modules a file imports, anywhere in it (function-level imports too)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [f"{node.module}.{alias.name}" for alias in node.names] or [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            while name not in known and "." in name:
                name = name.rsplit(".", 1)[0]
            if name in known:
                out.add(name)
    return out


def all_imports(path: Path) -> set[str]:
    """Top-level names of every module a file imports."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
    return out


def app(module: str) -> str:
    """The graph node of a module: its app, or the module itself when it is pure."""
    return module if module in PURE else module.split(".")[1]


def graph() -> dict[str, set[str]]:
    """Every module → the minping modules it imports."""
    known = modules()
    return {name: imports(path, known) for name, path in known.items()}


def components(edges: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.add(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(component)

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in list(edges):
        if node not in index:
            visit(node)
    return found


def app_edges() -> dict[tuple[str, str], set[str]]:
    """(app, app) → the files that make the edge."""
    known = modules()
    out: dict[tuple[str, str], set[str]] = defaultdict(set)
    for name, targets in graph().items():
        for target in targets:
            if app(name) != app(target):
                out[app(name), app(target)].add(str(known[name].relative_to(ROOT)))
    return out


def test_lib_imports_no_domain_app() -> None:
    lib = {n: t for n, t in graph().items() if n.startswith("minping.lib")}
    outside = {n: sorted(t for t in ts if not t.startswith("minping.lib")) for n, ts in lib.items()}
    assert {n: ts for n, ts in outside.items() if ts} == {}


def test_pure_modules_import_only_the_standard_library_and_each_other() -> None:
    known = modules()
    for name in sorted(PURE):
        foreign = {
            imported
            for imported in all_imports(known[name])
            if imported.split(".")[0] not in sys.stdlib_module_names
            and imported != "__future__"
            and not any(imported == p or p.startswith(imported + ".") for p in PURE)
            and imported not in PURE
        }
        assert foreign == set(), f"{name} imports {sorted(foreign)}"


def test_no_module_cycle_spans_two_apps() -> None:
    spanning = [c for c in components(graph()) if len({app(m) for m in c}) > 1]
    assert spanning == []


def test_no_new_cycle_between_apps() -> None:
    made = app_edges()
    edges: dict[str, set[str]] = defaultdict(set)
    for source, target in made:
        edges[source].add(target)
    in_cycles = {
        (source, target): sorted(made[source, target])
        for component in components(edges)
        for source in component
        for target in edges[source]
        if target in component
    }
    new = {edge: files for edge, files in in_cycles.items() if edge not in KNOWN_CYCLE_EDGES}
    assert new == {}, "a new import cycle between apps"
    gone = sorted(set(KNOWN_CYCLE_EDGES) - set(in_cycles))
    assert gone == [], f"no longer in a cycle, remove from KNOWN_CYCLE_EDGES: {gone}"


def test_cases_and_oversight_depend_one_way() -> None:
    # Cases propose deductions through oversight; a visit's findings become a case
    # through cases. Oversight imports nothing of cases, at any level.
    made = app_edges()
    assert ("cases", "oversight") in made
    assert ("oversight", "cases") not in made
