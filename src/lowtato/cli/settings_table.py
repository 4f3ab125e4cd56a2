"""``lowtato settings-table``: every setting as a Markdown table, generated from the settings
class and the comments above its fields, so docs/deploy.md cannot drift from the code (a test
compares the two)."""

from __future__ import annotations

import ast
import inspect
from typing import Any

from pydantic import SecretStr
from pydantic.fields import FieldInfo

from lowtato import config
from lowtato.config import Settings


def _comments() -> dict[str, str]:
    """Each field's comment: the block above it (shared by the fields of a group written
    without a blank line between them) and any comment at the end of its line."""
    source = inspect.getsource(config)
    lines = source.splitlines()
    tree = ast.parse(source)
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Settings")
    found: dict[str, str] = {}
    for node in cls.body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
            continue
        at = node.lineno - 2  # 0-based index of the line above
        while at >= 0 and lines[at].strip() and not lines[at].strip().startswith("#"):
            at -= 1  # another field of the same group
        block: list[str] = []
        while at >= 0 and lines[at].strip().startswith("#"):
            block.insert(0, lines[at].strip().lstrip("#").strip())
            at -= 1
        own = lines[node.lineno - 1]
        tail = own.split("  # ", 1)[1].strip() if "  # " in own else ""
        found[node.target.id] = " ".join([*block, tail]).strip()
    return found


def _default(field: FieldInfo) -> str:
    if field.default_factory is not None:
        return "(empty)"
    value: Any = field.default
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if value in ("", None):
        return "(empty)"
    return f"`{value}`"


def _type(field: FieldInfo) -> str:
    text = str(field.annotation).replace("typing.", "").replace("<class '", "").replace("'>", "")
    return text.replace("pydantic.types.", "").replace("pathlib.", "").replace("|", "or")


def table() -> str:
    comments = _comments()
    rows = ["| Variable | Type | Default | What it does |", "| --- | --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        env = f"LOWTATO_{name.upper()}"
        if name == "platforms":
            env = "LOWTATO_PLATFORMS__<NAME>__CLIENT_ID, …__CLIENT_SECRET, …__BASE_URL, …__AUTH_URL"
        what = comments.get(name, "").replace("|", "\\|")
        rows.append(f"| `{env}` | {_type(field)} | {_default(field)} | {what} |")
    return "\n".join(rows) + "\n"


def settings_table() -> None:
    """Print every LOWTATO_ setting as a Markdown table (the one in docs/deploy.md)."""
    print(table(), end="")
