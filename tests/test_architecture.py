"""The shape of the package: fieldapp's modules import each other without cycles, at module level only, and
no feature imports another feature's private names.

Read from the source with ast (nothing is imported), so a cycle hidden by a function-local import, or one
that only works because of the order of lines in an __init__.py, fails here and not at a user's request.
"""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "fieldapp"

# The only function-local imports of fieldapp modules allowed, by (module, function):
FUNCTION_LOCAL_ALLOWED = {
    # The app factory imports every feature to register its blueprint. At module level, `import fieldapp.models`
    # (which runs fieldapp/__init__.py first) would load every route of the app, and each feature's
    # `from ..extensions import db` would come back to a half-run fieldapp/__init__.py.
    ("fieldapp", "create_app"),
}

# Cycles allowed, each with why: none.
KNOWN_CYCLES: set[frozenset[str]] = set()


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _targets(module: str, path: Path, node: ast.Import | ast.ImportFrom) -> list[tuple[str, str | None]]:
    """The fieldapp modules an import statement loads, each with the name it takes from it (or None)."""
    if isinstance(node, ast.Import):
        return [(a.name, None) for a in node.names if a.name in MODULES]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    if node.level:
        parts = package.split(".")
        base = ".".join(parts[:len(parts) - (node.level - 1)] + ([node.module] if node.module else []))
    else:
        base = node.module or ""
    out = []
    for alias in node.names:
        if f"{base}.{alias.name}" in MODULES:
            out.append((f"{base}.{alias.name}", None))
        elif base in MODULES:
            out.append((base, alias.name))
    return out


def _imports():
    """(module-level edges {module: {imported module}}, [function-local imports], [private names taken])."""
    edges: dict[str, set[str]] = {m: set() for m in MODULES}
    local, private = [], []
    for module, path in MODULES.items():
        def walk(node, function):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.Import, ast.ImportFrom)):
                    for target, name in _targets(module, path, child):
                        if not target.startswith("fieldapp"):
                            continue
                        if function is None:
                            edges[module].add(target)
                        elif (module, function) not in FUNCTION_LOCAL_ALLOWED:
                            local.append(f"{path.relative_to(ROOT)}:{child.lineno} in {function}() imports {target}")
                        if name and name.startswith("_") and _feature(target) != _feature(module):
                            private.append(f"{path.relative_to(ROOT)}:{child.lineno} takes {target}.{name}")
                inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else None
                walk(child, function or inner)
        walk(ast.parse(path.read_text(encoding="utf-8")), None)
    return edges, local, private


def _feature(module: str) -> str:
    """fieldapp.tallies.queries -> fieldapp.tallies; fieldapp.web -> fieldapp.web (a top-level module)."""
    return ".".join(module.split(".")[:2])


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), or a module importing itself."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in edges[v]:
                out.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def _with_parents(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    """Importing fieldapp.a.b first runs fieldapp/a/__init__.py: the graph Python really walks."""
    out = {m: set(targets) for m, targets in edges.items()}
    for m, targets in edges.items():
        for target in targets:
            parts = target.split(".")
            for i in range(2, len(parts)):
                parent = ".".join(parts[:i])
                if parent != m and not m.startswith(parent + "."):
                    out[m].add(parent)
    return out


def test_the_module_import_graph_has_no_cycles():
    edges, _local, _private = _imports()
    cycles = [c for c in _cycles(edges) if frozenset(c) not in KNOWN_CYCLES]
    assert not cycles, "import cycles in fieldapp:\n" + "\n".join(" ↔ ".join(c) for c in cycles)


def test_importing_a_module_loads_its_packages_without_cycles():
    edges, _local, _private = _imports()
    cycles = [c for c in _cycles(_with_parents(edges)) if frozenset(c) not in KNOWN_CYCLES]
    assert not cycles, "import cycles through packages' __init__.py:\n" + "\n".join(" ↔ ".join(c) for c in cycles)


def test_no_function_local_imports_of_fieldapp_modules():
    _edges, local, _private = _imports()
    assert not local, "function-local imports (import at the top of the module):\n" + "\n".join(sorted(set(local)))


def test_no_feature_imports_another_features_private_names():
    _edges, _local, private = _imports()
    assert not private, "private names taken across features (make them public where they belong):\n" \
        + "\n".join(private)


def test_the_checker_sees_a_cycle_and_a_local_import(tmp_path):
    """The checker itself: a made-up graph with a cycle is found, an acyclic one is not."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set(), "c": {"a", "b"}}) == []
    assert _cycles({"a": {"a"}}) == [["a"]]
    assert _with_parents({"fieldapp.x.routes": {"fieldapp.y.queries"}, "fieldapp.y.queries": set()})[
        "fieldapp.x.routes"] == {"fieldapp.y.queries", "fieldapp.y"}
