"""The house rules of the code base, checked on the source (issue 22).

* no import circles among the package's modules (module-level and function-level imports both
  count: an import moved into a function to dodge a circle still makes one);
* no private name (``_x``) imported from another module;
* no private member of a design object used outside ``literacy.survey``;
* no file in ``src/`` or ``flows/`` over 800 lines, no Prefect task over 40 lines.

The modules are read with :mod:`ast`, not imported.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"literacy": ROOT / "src" / "literacy", "literacy_flows": ROOT / "flows",
            "literacy_schemas": ROOT / "schemas"}
MAX_LINES = 800
MAX_TASK_LINES = 40


def _modules() -> dict[str, Path]:
    mods = {}
    for pkg, base in PACKAGES.items():
        for path in base.rglob("*.py"):
            parts = [pkg, *path.relative_to(base).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts = parts[:-1]
            mods[".".join(parts)] = path
    return mods


MODULES = _modules()
TREES = {name: ast.parse(path.read_text(encoding="utf-8")) for name, path in MODULES.items()}


def _imports(name: str) -> list[tuple[str, str | None]]:
    """(module imported, name imported or None) for every import in module ``name``."""
    path = MODULES[name]
    is_pkg = path.name == "__init__.py"
    out = []
    for node in ast.walk(TREES[name]):
        if isinstance(node, ast.Import):
            out += [(a.name, None) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_pkg else name.split(".")[:-1]
                base = base[:len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            for a in node.names:
                full = f"{mod}.{a.name}"
                out.append((full, None) if full in MODULES else (mod, a.name))
    return out


def _graph() -> dict[str, set[str]]:
    g = defaultdict(set)
    for name in MODULES:
        for mod, _ in _imports(name):
            if mod in MODULES and mod != name:
                g[name].add(mod)
    return g


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
    return out


def test_cycle_finder_finds_a_planted_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circles():
    assert _cycles(_graph()) == []


def test_no_private_name_is_imported_across_modules():
    bad = [f"{name} imports {mod}.{nm}" for name in MODULES for mod, nm in _imports(name)
           if nm and nm.startswith("_") and not nm.startswith("__") and mod.split(".")[0] in PACKAGES]
    assert bad == []


def _design_private_members() -> set[str]:
    members = set()
    for name, tree in TREES.items():
        if not name.startswith("literacy.survey"):
            continue
        for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
            if not cls.name.endswith("Design"):
                continue
            for node in ast.walk(cls):
                if isinstance(node, ast.FunctionDef) and node.name.startswith("_") and not node.name.startswith("__"):
                    members.add(node.name)
                if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"
                        and node.attr.startswith("_") and not node.attr.startswith("__")):
                    members.add(node.attr)
    return members


def test_no_private_design_member_is_used_outside_the_survey_core():
    members = _design_private_members()
    assert members, "the design classes were not found in literacy.survey"
    bad = []
    for name, tree in TREES.items():
        if name.startswith("literacy.survey"):
            continue
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr in members
                    and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))):
                bad.append(f"{MODULES[name].relative_to(ROOT)}:{node.lineno} .{node.attr}")
    assert bad == []


@pytest.mark.parametrize("name", sorted(n for n in MODULES if not n.startswith("literacy_schemas")))
def test_no_file_over_800_lines(name):
    lines = MODULES[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{MODULES[name].relative_to(ROOT)} has {lines} lines"


def test_no_prefect_task_over_40_lines():
    long = []
    for name, tree in TREES.items():
        if not name.startswith("literacy_flows"):
            continue
        for fn in (n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
            is_task = any((isinstance(d, ast.Call) and getattr(d.func, "id", getattr(d.func, "attr", "")) == "task")
                          or getattr(d, "id", getattr(d, "attr", "")) == "task" for d in fn.decorator_list)
            if is_task and fn.end_lineno - fn.lineno + 1 > MAX_TASK_LINES:
                long.append(f"{name}.{fn.name}: {fn.end_lineno - fn.lineno + 1} lines")
    assert long == []
