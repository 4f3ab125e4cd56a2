"""``lowtato serve`` skips Alembic when the SQLite file is at the newest revision; that
shortcut is right only while the numbered files give the same head as Alembic's graph."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory

from lowtato.kit.migrate import (
    alembic_config,
    newest_revision,
    sqlite_revision,
    upgrade_if_behind,
)


def test_the_newest_numbered_file_is_alembics_single_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert heads == [newest_revision()]


def test_a_new_file_is_migrated_and_a_current_one_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    url = f"sqlite+aiosqlite:///{path}"
    assert sqlite_revision(path) is None
    upgrade_if_behind(url)
    assert sqlite_revision(path) == newest_revision()
    command.downgrade(alembic_config(url), "0018")  # one behind: the check must see it
    assert sqlite_revision(path) == "0018"
    upgrade_if_behind(url)
    assert sqlite_revision(path) == newest_revision()
