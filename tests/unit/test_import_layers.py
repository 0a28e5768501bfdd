"""The import graph drawn by scripts/import_layers.py: no cycle, at most one import against the layering."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "import_layers.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("import_layers", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["import_layers"] = module
    spec.loader.exec_module(module)
    return module


def test_no_cycle_and_at_most_one_exception() -> None:
    run = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    layers = _load()
    _, module_cycles, group_cycles, upward = layers.check()
    assert module_cycles == [] and group_cycles == []
    assert len(upward) <= 1 and len(layers.EXCEPTIONS) <= 1
    assert all(edge in layers.EXCEPTIONS for edge in upward)


def test_cycles_and_function_level_imports_are_found(tmp_path: Path) -> None:
    layers = _load()
    assert layers.cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert layers.cycles({"a": {"b"}, "b": set()}) == []
    source = tmp_path / "late.py"
    source.write_text("def f():\n    from memory_service.identity import service\n    return service\n")
    modules = {"memory_service.identity": Path("x"), "memory_service.identity.service": Path("y"), "late": source}
    assert layers.imports_of("late", source, modules) == {"memory_service.identity.service"}


def test_layers_place_the_moved_modules() -> None:
    layers = _load()
    assert layers.layer_of("memory_service.units.changes") == "units"
    assert layers.layer_of("memory_service.customers.repository") == "stores"
    assert layers.layer_of("memory_service.identity.service") == "domains"
    assert layers.layer_of("memory_service.interactions.flows") == "flows"
    assert layers.layer_of("memory_service.recall.router") == "routers"
    assert layers.layer_of("memory_service.app.lifespan") == "app"
