"""The operator's inventory: ``lowtato marketplace import|list``, credentials encrypted at rest
and re-encrypted by ``lowtato secrets rotate``."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from tests.conftest import ENC_KEYS, SECRET, OwnerFactory, empty_database
from tests.marketplace.conftest import line, stock
from typer.testing import CliRunner

from lowtato.cli.main import app as cli
from lowtato.config import Settings, new_key_material
from lowtato.encryption import rotation
from lowtato.kit.crypto import KeyRing
from lowtato.marketplace import inventory
from lowtato.marketplace.models import MarketplaceItem


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "LOWTATO_DATABASE_URL": database_url,
        "LOWTATO_SECRET_KEY": SECRET,
        "LOWTATO_ENCRYPTION_KEYS": ENC_KEYS,
        "LOWTATO_DATA_DIR": str(tmp_path),
    }


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.output


def write(path: Path, *lines: object) -> Path:
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    return path


def mine(env: dict[str, str], tag: str) -> list[dict[str, object]]:
    code, out = run(env, "marketplace", "list", "--json")
    assert code == 0, out
    return [r for r in json.loads(out) if tag in str(r["username"])]


def test_import_validates_every_line_first(cli_env: dict[str, str], tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    bad = write(tmp_path / "bad.jsonl", line("twitter", f"ok_{tag}", 500),
                {**line("twitter", f"bad_{tag}", 500), "price_cents": "five"})  # fmt: skip
    code, out = run(cli_env, "marketplace", "import", str(bad))
    assert code == 1 and "line 2" in out and "price_cents" in out, out
    unknown = write(tmp_path / "unknown.jsonl", line("myspace", f"x_{tag}", 500))
    code, out = run(cli_env, "marketplace", "import", str(unknown))
    assert code == 1 and "line 1" in out and "unknown platform 'myspace'" in out, out
    broken = write(tmp_path / "broken.jsonl", line("twitter", f"y_{tag}", 500), "{not json")
    code, out = run(cli_env, "marketplace", "import", str(broken))
    assert code == 1 and "line 2" in out and "not JSON" in out, out
    missing = {k: v for k, v in line("twitter", f"z_{tag}", 500).items() if k != "password"}
    code, out = run(cli_env, "marketplace", "import", str(write(tmp_path / "m.jsonl", missing)))
    assert code == 1 and "line 1" in out and "password" in out, out
    assert mine(cli_env, tag) == []  # nothing of any bad file was imported


def test_import_skips_duplicates_and_lists(cli_env: dict[str, str], tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    first = write(
        tmp_path / "a.jsonl",
        line("twitter", f"a_{tag}", 500),
        "",
        line("Bluesky", f"b_{tag}", 1250),
        line("twitter", f"A_{tag}", 700),
    )  # fmt: skip  (same handle, other case)
    code, out = run(cli_env, "marketplace", "import", str(first), "--json")
    assert code == 0, out
    assert json.loads(out) == {"imported": 2, "skipped": 1}
    code, out = run(cli_env, "marketplace", "import", str(first))
    assert code == 0 and "imported 0, skipped 3" in out, out
    rows = mine(cli_env, tag)
    assert [(r["platform"], r["username"], r["price"], r["status"]) for r in rows] == [
        ("bluesky", f"b_{tag}", "$12.50", "available"),
        ("twitter", f"a_{tag}", "$5.00", "available"),
    ]
    code, out = run(cli_env, "marketplace", "list")
    assert code == 0 and f"a_{tag}" in out and "pw-" not in out


async def test_credentials_are_encrypted_at_rest_and_rotate(
    app: FastAPI, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    await stock(app, line("twitter", "secretive", 500, access_token="tok-xyz"))
    tester = await make_owner()
    await client.get("/api/v1/marketplace", headers=tester.headers)  # sandbox items too
    async with app.state.db.transaction(readonly=True) as session:
        items = list((await session.scalars(select(MarketplaceItem))).all())
    assert len(items) == 19
    real = next(i for i in items if i.username == "secretive")
    assert real.credentials_enc.startswith("v1.")
    assert (
        "pw-secretive-secret" not in real.credentials_enc and "tok-xyz" not in real.credentials_enc
    )

    new = new_key_material()
    try:
        rotated = await rotation.rotate(app.state.db, ring(f"{new},{ENC_KEYS}"))
        assert rotated.rotated == 19 and not rotated.unreadable and rotated.fingerprint_updated
        async with app.state.db.transaction(readonly=True) as session:
            stored = await session.get(MarketplaceItem, real.id, populate_existing=True)
        assert stored is not None and stored.credentials_enc != real.credentials_enc
        assert inventory.unseal(ring(new), stored).password == "pw-secretive-secret"
    finally:
        await empty_database(app.state.db)  # the stored key fingerprint names the new key


def ring(keys: str) -> KeyRing:
    return KeyRing(Settings(encryption_keys=keys).resolved_encryption_keys)
