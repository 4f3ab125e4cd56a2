"""Run Alembic migrations programmatically (``lowtato db upgrade``, ``lowtato serve``, tests).

Synchronous on purpose: Alembic drives its own event loop in ``env.py``; call it from a
thread when already inside one.

Alembic (with Mako and Pygments, some 110 modules) is imported only when a migration runs:
``lowtato serve`` on a SQLite file that is already at the newest revision checks that with one
``SELECT`` (``upgrade_if_behind``) and starts without it (docs/performance.md).
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from lowtato.kit.files import sqlite_path

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
_REVISION_FILE = re.compile(r"^(\d{4})_\w+\.py$")


def alembic_config(url: str) -> Config:
    from alembic.config import Config  # noqa: PLC0415 - see the module docstring

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    from alembic import command  # noqa: PLC0415 - see the module docstring

    command.upgrade(alembic_config(url), revision)


def newest_revision() -> str:
    """The head revision: revisions are numbered ``NNNN`` and each follows the one before it
    (tests/kit/test_migrate_head.py checks this against Alembic's own graph)."""
    numbers = [
        m.group(1)
        for f in (MIGRATIONS / "versions").iterdir()
        if (m := _REVISION_FILE.match(f.name))
    ]
    return max(numbers)


def sqlite_revision(path: Path) -> str | None:
    """The revision a SQLite file is at; None when it has none yet (or does not exist)."""
    if not path.exists():
        return None
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return str(row[0]) if row else None


def upgrade_if_behind(url: str) -> None:
    """``upgrade`` unless ``url`` is a SQLite file at the newest revision already."""
    path = sqlite_path(url)
    if path is None or sqlite_revision(path) != newest_revision():
        upgrade(url)
