"""A fresh embedded install keeps its files to itself, whatever the umask: the data directory
and the media directories are 0700; the SQLite database (and its -wal/-shm), the generated key
files and stored media are 0600."""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import Owner, client_for
from tests.media.files import image, upload_multipart

from lowtato.app import create_app
from lowtato.cli.demo import bootstrap_demo
from lowtato.config import Settings
from lowtato.kit.crypto import KeyRing
from lowtato.kit.db import Database
from lowtato.kit.migrate import upgrade


@pytest.fixture
def open_umask() -> Iterator[None]:
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_fresh_data_dir_is_private_under_umask_000(tmp_path: Path, open_umask: None) -> None:
    data = tmp_path / "lowtato-data"
    # What `lowtato serve` does on the embedded default: settings from the environment only.
    config = Settings(data_dir=data, public_url="http://testserver", allow_private_urls=True)
    await asyncio.to_thread(upgrade, config.resolved_database_url)
    db = Database(config.resolved_database_url)
    try:
        made = await bootstrap_demo(
            db, config.resolved_secret_key, KeyRing(config.resolved_encryption_keys)
        )
    finally:
        await db.dispose()
    assert made is not None
    app = create_app(config)
    async with app.router.lifespan_context(app), client_for(app) as client:
        owner = Owner(made.user_id, made.email, made.test_key, "")
        response = await upload_multipart(client, owner, "a.png", image("PNG"), "image/png")
        assert response.status_code == 201, response.text
        stored = [p for p in (data / "media").rglob("*") if p.is_file()]
        assert stored, "the upload is stored under the data dir"
        for path in stored:
            assert _mode(path) == 0o600, path
        for directory in [data / "media", *(p for p in (data / "media").rglob("*") if p.is_dir())]:
            assert _mode(directory) == 0o700, directory
        database = data / "lowtato.db"
        for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
            assert path.exists(), path
            assert _mode(path) == 0o600, path

    assert _mode(data) == 0o700
    for name in ("secret.key", "encryption.key"):
        assert _mode(data / name) == 0o600, name
