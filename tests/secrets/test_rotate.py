"""``lowtato secrets rotate``: secrets stored under key A, ring (B, A), rotate; then ring (B)
alone publishes, delivers and finishes OAuth, and the database requires B."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from standardwebhooks import Webhook as Verifier
from tests.api import connect
from tests.conftest import SECRET, AppFactory, Owner, OwnerFactory, client_for, empty_database
from tests.fakes.facebook_graph import LONG_LIVED, seed_account
from tests.fakes.fixtures import FAKE_PREFIXES, Fakes
from tests.webhooks.conftest import Receiver
from typer.testing import CliRunner

from lowtato.cli.main import app as cli
from lowtato.config import Settings, new_key_material
from lowtato.encryption import rotation
from lowtato.jobs.worker import Worker
from lowtato.kit.crypto import KeyRing
from lowtato.kit.db import Database
from lowtato.runtime import build_registry

KEY_A, KEY_B = new_key_material(), new_key_material()


@pytest.fixture
async def blank_db(database_url: str) -> AsyncIterator[None]:
    db = Database(database_url)
    await empty_database(db)
    yield
    await empty_database(db)
    await db.dispose()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    server = await Receiver().start()
    yield server
    await server.close()


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


class Ring:
    """Apps on the shared test database with a given LOWTATO_ENCRYPTION_KEYS."""

    def __init__(self, factory: AppFactory, fakes: Fakes) -> None:
        self.factory = factory
        self.platforms = {
            name: {"base_url": fakes.url + prefix, "auth_url": fakes.url + prefix,
                   "client_id": f"{name}-client-id", "client_secret": f"{name}-client-secret"}
            for name, prefix in FAKE_PREFIXES.items()
        }  # fmt: skip

    async def app(self, keys: str) -> FastAPI:
        return await self.factory(encryption_keys=keys, platforms=self.platforms)


def _rotate_cli(database_url: str, data_dir: Path, keys: str, *args: str) -> tuple[int, str]:
    env = {
        "LOWTATO_DATABASE_URL": database_url,
        "LOWTATO_SECRET_KEY": SECRET,
        "LOWTATO_ENCRYPTION_KEYS": keys,
        "LOWTATO_DATA_DIR": str(data_dir),
    }
    result = CliRunner().invoke(cli, ["secrets", "rotate", *args], env=env)
    return result.exit_code, result.output


async def _publish(app: FastAPI, owner: Owner, account: str, sub: str | None = None) -> None:
    post: dict[str, Any] = {"accountId": account, "content": {"text": f"after rotation {sub}"}}
    if sub:
        post["subaccountId"] = sub
    async with client_for(app) as client:
        created = await client.post("/api/v1/posts", headers=owner.headers, json={"post": post})
        assert created.status_code == 201, created.text
        post_id = created.json()["id"]
        assert (
            await client.post(f"/api/v1/posts/{post_id}/publish", headers=owner.headers)
        ).status_code == 200
        await Worker(app.state.db, build_registry(app.state.services)).run_once()
        got = (await client.get(f"/api/v1/posts/{post_id}", headers=owner.headers)).json()
    assert got["status"] == "published", got


async def test_rotate_then_the_new_key_alone_reads_everything(
    blank_db: None,
    app_factory: AppFactory,
    fakes: Fakes,
    make_owner: OwnerFactory,
    receiver: Receiver,
    database_url: str,
    tmp_path: Path,
) -> None:
    rings = Ring(app_factory, fakes)
    old_app = await rings.app(KEY_A)
    await empty_database(old_app.state.db)  # `make_owner`'s app ran first: start from nothing
    await rings.app(KEY_A)
    tester, live = await make_owner(), await make_owner(livemode=True)
    seeded = seed_account(fakes.state)
    async with client_for(old_app) as client:
        sandbox_account = await connect(client, tester, "bluesky", "did:plc:rot")
        fb = await client.post("/api/v1/accounts/connect", headers=live.headers, json={
            "platform": "facebook", "access_token": seeded.user_token, "expires_in": LONG_LIVED,
            "platform_user_id": "100001", "platform_username": "Ada Lovelace",
        })  # fmt: skip
        assert fb.status_code == 201, fb.text
        fb_account = fb.json()["id"]
        subs = await client.get(f"/api/v1/accounts/{fb_account}/subaccounts", headers=live.headers)
        [page] = subs.json()["subaccounts"]
        hook = await client.post("/api/v1/webhooks", headers=tester.headers,
                                 json={"url": receiver.url, "events": ["post.published"]})  # fmt: skip
        assert hook.status_code == 201, hook.text
        old_secret, hook_id = hook.json()["secret"], hook.json()["id"]
        rotated = await client.post(f"/api/v1/webhooks/{hook_id}/rotate-secret",
                                    headers=tester.headers)  # fmt: skip
        assert rotated.status_code == 200, rotated.text
        new_secret = rotated.json()["secret"]
        link = await client.post("/api/v1/accounts/connect-link", headers=tester.headers,
                                 json={"platform": "linkedin"})  # fmt: skip
        assert link.status_code == 201

    both = f"{KEY_B},{KEY_A}"
    await rings.app(both)  # the active key as a secondary one: starts
    ring = KeyRing(Settings(encryption_keys=both, data_dir=tmp_path).resolved_encryption_keys)
    total = await rotation.count_stale(old_app.state.db, ring)
    # bluesky access+refresh, facebook access, page token, webhook secret and previous
    # secret, the OAuth verifier
    assert total == 7

    class Interrupted(Exception):
        pass

    def stop(_n: int) -> None:
        raise Interrupted

    with pytest.raises(Interrupted):
        await rotation.rotate(old_app.state.db, ring, batch_size=1, on_batch=stop)
    assert await rotation.count_stale(old_app.state.db, ring) == total - 1
    await rings.app(KEY_A)  # not finished: the database still takes the old key

    code, out = await asyncio.to_thread(
        _rotate_cli, database_url, tmp_path, both, "--json", "--batch-size", "2"
    )
    assert code == 0, out
    assert '"rotated": 6' in out and '"fingerprint_updated": true' in out
    code, out = await asyncio.to_thread(_rotate_cli, database_url, tmp_path, both, "--json")
    assert code == 0 and '"rotated": 0' in out  # again: nothing left, harmless

    with pytest.raises(RuntimeError, match="LOWTATO_ENCRYPTION_KEYS"):
        await rings.app(KEY_A)  # the old key alone is refused now
    new_app = await rings.app(KEY_B)

    await _publish(new_app, tester, sandbox_account)  # account tokens
    await _publish(new_app, live, fb_account, page["id"])  # the Page token
    deliveries = [r for r in receiver.received if r.json["type"] == "post.published"]
    assert deliveries
    for secret in (new_secret, old_secret):  # both signatures verify
        Verifier(secret).verify(deliveries[-1].body, deliveries[-1].headers)
    async with client_for(new_app) as client:  # the OAuth verifier
        approved = await client.get(_path(link.json()["url"]) + "&approve=1")
        callback = await client.get(_path(approved.headers["location"]))
        assert callback.status_code == 200 and "Connected" in callback.text, callback.text
        listed = (await client.get("/api/v1/accounts", headers=tester.headers)).json()
    assert "linkedin" in {a["platform"] for a in listed["accounts"]}
