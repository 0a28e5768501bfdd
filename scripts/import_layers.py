"""Draw the import graph of memory_service/, workers/ and schemas/ and check it.

Every import is read with `ast`, at module level and inside functions alike (an import inside
a function that dodges a loop is still a loop). Reported:
- import cycles between modules, and between (package, layer) groups, e.g. identity's domain
  code and observations' domain code importing each other; either makes the exit status 1;
- imports that run against the layering below (a lower layer importing a higher one), except
  the ones listed in EXCEPTIONS with why; an unlisted one makes the exit status 2.

    python scripts/import_layers.py [--graph]   # --graph also prints every edge
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("memory_service", "workers", "schemas")

# Bottom to top; a module may import its own layer or any layer below. The first matching rule
# wins: exact module names and name patterns are tried before package prefixes.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("schemas", "memory_service", "memory_service.config", "memory_service.errors", "memory_service.db",
              "memory_service.metrics", "memory_service.logging", "memory_service.migrations",
              "memory_service.embedded", "memory_service.tokens")),
    ("units", ("memory_service.units",)),
    ("stores", ("*.repository",)),  # SQL of one domain: imports nothing above the units
    ("ports", ("memory_service.embeddings", "memory_service.extraction", "memory_service.index")),
    ("domains", ("memory_service.customers", "memory_service.identity", "memory_service.observations",
                 "memory_service.episodes", "memory_service.profiles", "memory_service.tenants",
                 "memory_service.recall", "memory_service.interactions", "memory_service.context",
                 "memory_service.handoff", "memory_service.pages")),
    ("flows", ("*.flows",)),  # work that crosses domains
    ("api", ("memory_service.api",)),  # what routers need: deps, errors
    ("routers", ("*.router",)),
    ("app", ("memory_service.app", "memory_service.cli", "memory_service.client", "workers")),
]
LAYER_RANK = {name: rank for rank, (name, _) in enumerate(LAYERS)}

# (importer, imported) -> why it is allowed to run against the layering.
EXCEPTIONS: dict[tuple[str, str], str] = {}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def discover() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            modules[module_name(path)] = path
    return modules


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The module `name` names, or the nearest enclosing one (a name imported from a module)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        names: Iterable[str] = ()
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from package import submodule` imports the submodule; `from module import name` the module
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        for name in names:
            target = _resolve(name, modules)
            if target is not None and target != module:
                found.add(target)
    return found


def layer_of(module: str) -> str:
    leaf = module.rpartition(".")[2]
    for name, rules in LAYERS:
        if any(rule == module or (rule.startswith("*.") and leaf == rule[2:]) for rule in rules):
            return name
    best: tuple[int, str] | None = None
    for name, rules in LAYERS:
        for rule in rules:
            if not rule.startswith("*.") and module.startswith(rule + ".") and (best is None or len(rule) > best[0]):
                best = (len(rule), name)
    if best is None:
        raise SystemExit(f"no layer for {module}: add it to LAYERS")
    return best[1]


def group_of(module: str) -> str:
    """(package, layer): memory_service.identity.service -> identity:domains."""
    parts = module.split(".")
    package = parts[1] if parts[0] == "memory_service" and len(parts) > 1 else parts[0]
    return f"{package}:{layer_of(module)}"


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
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
    return found


def check() -> tuple[dict[str, set[str]], list[list[str]], list[list[str]], list[tuple[str, str]]]:
    modules = discover()
    graph = {m: imports_of(m, p, modules) for m, p in modules.items()}
    groups: dict[str, set[str]] = defaultdict(set)
    for module, targets in graph.items():
        groups[group_of(module)].update(group_of(t) for t in targets if group_of(t) != group_of(module))
    upward = sorted(
        (module, target)
        for module, targets in graph.items()
        for target in targets
        if LAYER_RANK[layer_of(target)] > LAYER_RANK[layer_of(module)]
    )
    return graph, cycles(graph), cycles(groups), upward


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--graph", action="store_true", help="print every edge")
    args = parser.parse_args()
    graph, module_cycles, group_cycles, upward = check()
    if args.graph:
        for module in sorted(graph):
            for target in sorted(graph[module]):
                print(f"{module} -> {target}")
    edges = sum(len(t) for t in graph.values())
    print(f"{len(graph)} modules, {edges} imports, layers: {' < '.join(name for name, _ in LAYERS)}")
    for cycle in module_cycles:
        print("import cycle (modules):", " <-> ".join(cycle))
    for cycle in group_cycles:
        print("import cycle (package:layer):", " <-> ".join(cycle))
    unexplained = [edge for edge in upward if edge not in EXCEPTIONS]
    for module, target in upward:
        why = EXCEPTIONS.get((module, target))
        label = f"allowed: {why}" if why else "NOT ALLOWED"
        print(f"against the layering: {module} ({layer_of(module)}) -> {target} ({layer_of(target)}); {label}")
    print(f"cycles: {len(module_cycles) + len(group_cycles)}, against the layering: {len(upward)}")
    if module_cycles or group_cycles:
        return 1
    return 2 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
