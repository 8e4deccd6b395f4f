"""The package's layering: every module imports on its own, and imports only go down."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "voucherify_async"
MODULES = sorted(
    f"voucherify_async.{path.stem}" for path in PACKAGE.glob("*.py") if path.stem != "__init__"
)


def _runtime_imports(module: str) -> set[str]:
    """The package modules `module` imports at its top level (not under TYPE_CHECKING)."""
    tree = ast.parse((PACKAGE / f"{module.rsplit('.', 1)[1]}.py").read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            found.add(f"voucherify_async.{node.module.split('.')[0]}")
    return found & set(MODULES)


# One interpreter, with the package forgotten before each import (third-party modules stay loaded,
# which keeps this fast): each module must import first, on its own.
IMPORT_EACH = """
import importlib, sys
for module in sys.argv[1:]:
    for name in [n for n in sys.modules if n.split(".")[0] == "voucherify_async"]:
        del sys.modules[name]
    try:
        importlib.import_module(module)
    except Exception as exc:
        print(f"{module}: {type(exc).__name__}: {exc}")
"""


def test_each_module_imports_on_its_own() -> None:
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EACH, *MODULES], capture_output=True, text=True, check=True
    )
    assert result.stdout == ""


def test_the_top_level_imports_form_no_cycle() -> None:
    graph = {module: _runtime_imports(module) for module in MODULES}
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, f"import cycle: {' -> '.join((*path, module))}"
        if module in done:
            return
        for imported in graph[module]:
            visit(imported, (*path, module))
        done.add(module)

    for module in MODULES:
        visit(module, ())


# Imported inside a function on purpose: optional dependencies, and the resources (with the
# models they load) and the bulk machinery kept off `import voucherify_async`'s time
# (benchmarks/run.py's import scenario), loaded only when used.
LAZY = {
    ("voucherify_async._transport", "_aiohttp"),
    ("voucherify_async.demo", "testing"),
    ("voucherify_async.customers", "_bulk"),
    ("voucherify_async._client", "customers"),
    ("voucherify_async._client", "async_actions"),
}


def test_no_module_hides_an_import_of_the_package_inside_a_function() -> None:
    hidden = set()
    for module in MODULES:
        tree = ast.parse((PACKAGE / f"{module.rsplit('.', 1)[1]}.py").read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
                    hidden.add((module, node.module))
    assert hidden == LAZY


def test_bulk_does_not_import_the_customers_module() -> None:
    assert "voucherify_async.customers" not in _runtime_imports("voucherify_async._bulk")
