"""Every process sharing a database must hold the key its secrets are encrypted with.

The first process on an empty database stores a canary encrypted under its ring's first key;
a process whose ring cannot read it refuses to start (API, ``lowtato serve``, ``lowtato
worker``) and says which setting to fix.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from tests.conftest import SECRET, AppFactory, client_for, empty_database
from typer.testing import CliRunner

from lowtato.cli.main import app as cli
from lowtato.config import new_key_material
from lowtato.kit.db import Database


@pytest.fixture
async def blank_db(database_url: str) -> AsyncIterator[None]:
    """No stored fingerprint before the test, and none left for the next one."""
    db = Database(database_url)
    await empty_database(db)
    yield
    await empty_database(db)
    await db.dispose()


async def test_second_process_with_other_keys_refuses_to_start(
    app_factory: AppFactory, blank_db: None
) -> None:
    key_a, key_b = new_key_material(), new_key_material()
    first = await app_factory(encryption_keys=key_a)
    async with client_for(first) as client:
        assert (await client.get("/api/health")).status_code == 200

    with pytest.raises(RuntimeError, match="LOWTATO_ENCRYPTION_KEYS") as refused:
        await app_factory(encryption_keys=key_b)
    assert key_b not in str(refused.value) and key_a not in str(refused.value)

    await app_factory(encryption_keys=key_a)  # the same ring
    await app_factory(encryption_keys=f"{key_b},{key_a}")  # the active key as a secondary one


def _cli(database_url: str, data_dir: Path, keys: str, *args: str) -> tuple[int, str]:
    env = {
        "LOWTATO_DATABASE_URL": database_url,
        "LOWTATO_SECRET_KEY": SECRET,
        "LOWTATO_ENCRYPTION_KEYS": keys,
        "LOWTATO_DATA_DIR": str(data_dir),
        "LOWTATO_BOOTSTRAP_DEMO": "false",
    }
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.output


async def _start_once(database_url: str, data_dir: Path, keys: str) -> None:
    db = Database(database_url)
    await empty_database(db)
    await db.dispose()
    factory = AppFactory(database_url, data_dir)
    await factory(encryption_keys=keys)
    await factory.close()


async def _empty(database_url: str) -> None:
    db = Database(database_url)
    await empty_database(db)
    await db.dispose()


# An address nothing can bind: should `serve` get past its checks, it exits instead of serving.
UNBINDABLE = ["--host", "203.0.113.254", "--port", "9"]


@pytest.mark.parametrize("command", [["worker"], ["serve", *UNBINDABLE]])
def test_cli_processes_with_other_keys_refuse_to_start(
    database_url: str, tmp_path: Path, command: list[str]
) -> None:
    asyncio.run(_start_once(database_url, tmp_path / "first", new_key_material()))
    try:
        code, out = _cli(database_url, tmp_path / "second", new_key_material(), *command)
    finally:
        asyncio.run(_empty(database_url))
    assert code == 1, out
    assert "LOWTATO_ENCRYPTION_KEYS" in out
