"""Where code lives (docs/architecture.md): SQL in repositories, HTTP at the edge.

- Only repositories (``repository.py``, ``*_repository.py``), models, migrations and the
  infrastructure under ``jobs/`` and ``kit/`` build SQL statements or execute them.
- No ``service.py`` imports FastAPI or Starlette: services take and return plain data.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "lowtato"
SQL_BUILDERS = {"select", "update", "delete", "insert", "text"}
INFRASTRUCTURE = {"migrations", "jobs", "kit"}


def _may_hold_sql(path: Path) -> bool:
    rel = path.relative_to(SRC)
    return (
        path.name in {"repository.py", "models.py"}
        or path.name.endswith("_repository.py")
        or rel.parts[0] in INFRASTRUCTURE
        or "migrations" in rel.parts
    )


def _sql_names(tree: ast.Module) -> tuple[set[str], set[str]]:
    """Local names bound to sqlalchemy's statement builders, and to sqlalchemy itself."""
    builders: set[str] = set()
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            builders |= {a.asname or a.name for a in node.names if a.name in SQL_BUILDERS}
        elif isinstance(node, ast.Import):
            modules |= {a.asname or a.name for a in node.names if a.name == "sqlalchemy"}
    return builders, modules


def _receiver(node: ast.expr) -> str:
    return ast.unparse(node).rsplit(".", 1)[-1].lower()


def sql_offences(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    builders, modules = _sql_names(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        what = None
        if isinstance(func, ast.Name) and func.id in builders:
            what = f"{func.id}("
        elif isinstance(func, ast.Attribute):
            if func.attr == "execute" and _receiver(func.value).endswith(("session", "conn")):
                what = f"{ast.unparse(func.value)}.execute("
            elif func.attr in SQL_BUILDERS and ast.unparse(func.value) in modules:
                what = f"{ast.unparse(func)}("
        if what:
            found.append(f"{path.relative_to(SRC)}:{node.lineno}: {what}")
    return found


def test_sql_only_in_repositories() -> None:
    offences = [
        offence
        for path in sorted(SRC.rglob("*.py"))
        if not _may_hold_sql(path)
        for offence in sql_offences(path)
    ]
    assert not offences, "SQL outside a repository:\n" + "\n".join(offences)


def test_the_check_sees_sql() -> None:
    # The rule is only as good as its detector: a known repository must trip it.
    assert sql_offences(SRC / "posts" / "repository.py")


def test_services_do_not_speak_http() -> None:
    offences = []
    for path in sorted(SRC.rglob("service.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            offences += [
                f"{path.relative_to(SRC)}:{node.lineno}: imports {name}"
                for name in names
                if name.split(".")[0] in {"fastapi", "starlette"}
            ]
    assert not offences, "HTTP in a service:\n" + "\n".join(offences)
