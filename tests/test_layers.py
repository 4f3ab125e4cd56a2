"""The layers of docs/architecture.md hold: the import-linter contracts in pyproject.toml pass,
and no module hides an import of Lowtato's own code inside a function (the old way of dodging
an import cycle)."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "lowtato"


def package_graph() -> str:
    """Which top-level package imports which, one line each (shown when a contract breaks)."""
    graph = grimp.build_graph("lowtato")
    edges: dict[str, set[str]] = defaultdict(set)
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            a, b = module.split(".")[1:2], imported.split(".")[1:2]
            if a and b and a != b:
                edges[a[0]].add(b[0])
    return "\n".join(f"{a:14} -> {', '.join(sorted(edges[a]))}" for a in sorted(edges))


def test_import_contracts_hold() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    run = subprocess.run(  # noqa: S603 - our own venv's tool, fixed arguments
        [str(lint_imports), str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}\nimports now:\n{package_graph()}"
    assert "0 broken" in run.stdout


def test_no_function_level_imports_of_lowtato() -> None:
    offences = []
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue  # Alembic scripts are loaded by Alembic, not imported
        tree = ast.parse(path.read_text(), filename=str(path))
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(func):
                names = []
                if isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                elif isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                offences += [
                    f"{path.relative_to(ROOT)}:{node.lineno} imports {name} inside {func.name}"
                    for name in names
                    if name == "lowtato" or name.startswith("lowtato.")
                ]
    assert not offences, "\n".join(offences)
