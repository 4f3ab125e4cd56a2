"""The operator's commands (``lowtato jobs|posts|webhooks|accounts|backup``), run through the
real CLI against the test database after traffic through the API: what they show, what they
change, and that a bad id changes nothing and says why."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from tests.accounts.test_connection_health import KITS
from tests.api import connect, create_post, later
from tests.conftest import ENC_KEYS, PG_URL, SECRET, Owner, OwnerFactory, client_for
from tests.fakes.fixtures import FAKE_PREFIXES, Fakes
from tests.security.test_secrets import _connect
from tests.webhooks.conftest import Receiver
from typer.testing import CliRunner

from lowtato.cli.main import app as cli
from lowtato.jobs.worker import Worker
from lowtato.runtime import build_registry


def _env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    return {"LOWTATO_DATABASE_URL": database_url, "LOWTATO_SECRET_KEY": SECRET,
            "LOWTATO_ENCRYPTION_KEYS": ENC_KEYS, "LOWTATO_DATA_DIR": str(data_dir),
            "LOWTATO_ALLOW_PRIVATE_URLS": "true", **extra}  # fmt: skip


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return _env(database_url, tmp_path)


async def lowtato(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = await asyncio.to_thread(CliRunner().invoke, cli, list(args), env=env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


async def as_json(env: dict[str, str], *args: str) -> Any:
    code, out = await lowtato(env, *args, "--json")
    assert code == 0, out
    return json.loads(out)


async def _published_and_waiting(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, receiver: Receiver
) -> tuple[str, str, str]:
    """A sandbox account, a post published through the worker (its webhook delivered) and a
    post scheduled for later; returns (account, published post, scheduled post)."""
    account = await connect(client, owner)
    hook = await client.post("/api/v1/webhooks", headers=owner.headers,
                             json={"url": receiver.url, "events": ["post.published"]})  # fmt: skip
    assert hook.status_code == 201, hook.text
    now = (await create_post(client, owner, account, "now")).json()["id"]
    await client.post(f"/api/v1/posts/{now}/publish", headers=owner.headers)
    waiting = (await create_post(client, owner, account, "later", scheduledTime=later())).json()
    await Worker(app.state.db, build_registry(app.state.services)).run_once()
    return account, now, waiting["id"]


@pytest.fixture
async def receiver() -> Any:
    started = await Receiver().start()
    yield started
    await started.close()


async def test_jobs_list_cancel_retry(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, receiver: Receiver,
    cli_env: dict[str, str],
) -> None:  # fmt: skip
    _, published, waiting = await _published_and_waiting(app, client, owner, receiver)
    jobs = await as_json(cli_env, "jobs", "list", "--kind", "posts.publish")
    by_key = {job["key"]: job for job in jobs}
    assert by_key[f"publish:{published}"]["status"] == "done"
    assert by_key[f"publish:{waiting}"]["status"] == "pending"
    pending = await as_json(
        cli_env, "jobs", "list", "--status", "pending", "--kind", "posts.publish"
    )
    assert [job["key"] for job in pending] == [f"publish:{waiting}"]
    code, out = await lowtato(cli_env, "jobs", "list")
    assert code == 0 and f"publish:{waiting}" in out and "posts.publish" in out
    code, out = await lowtato(cli_env, "jobs", "list", "--status", "stuck")
    assert code == 2 and "--status" in out

    done_id, waiting_id = by_key[f"publish:{published}"]["id"], pending[0]["id"]
    # Refused, each with its reason and exit code; nothing changes.
    for args, exit_code, says in [
        (("jobs", "cancel", done_id), 1, "only pending jobs can be cancelled"),
        (("jobs", "retry", done_id), 1, "only failed, cancelled or pending jobs"),
        (("jobs", "cancel", "job_doesnotexist"), 1, "no job job_doesnotexist"),
        (("jobs", "retry", "job_doesnotexist"), 1, "no job job_doesnotexist"),
        (("jobs", "cancel", "post_123"), 2, "expected an id like job_"),
    ]:
        code, out = await lowtato(cli_env, *args)
        assert (code, says in " ".join(out.split())) == (exit_code, True), out
    assert await as_json(cli_env, "jobs", "list", "--kind", "posts.publish") == jobs

    cancelled = await as_json(cli_env, "jobs", "cancel", waiting_id)
    assert cancelled["status"] == "cancelled" and cancelled["finished_at"]
    retried = await as_json(cli_env, "jobs", "retry", waiting_id)
    assert retried["status"] == "pending" and retried["attempts"] == 0
    assert retried["finished_at"] is None


async def test_posts_inspect_and_webhook_deliveries(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, receiver: Receiver,
    cli_env: dict[str, str],
) -> None:  # fmt: skip
    _, published, _ = await _published_and_waiting(app, client, owner, receiver)
    seen = await as_json(cli_env, "posts", "inspect", published)
    api = (await client.get(f"/api/v1/posts/{published}", headers=owner.headers)).json()
    assert seen["post"]["status"] == api["status"] == "published"
    assert seen["post"]["id"] == published and seen["owner_id"] == owner.user_id
    assert seen["publish"]["attempts"] == 1
    assert seen["publish"]["platform_post_id"]
    assert [(j["key"], j["status"]) for j in seen["jobs"]] == [(f"publish:{published}", "done")]
    code, out = await lowtato(cli_env, "posts", "inspect", published)
    assert code == 0 and "published" in out and "attempts=1" in out
    code, out = await lowtato(cli_env, "posts", "inspect", "post_doesnotexist")
    assert code == 1 and "no post post_doesnotexist" in out
    code, out = await lowtato(cli_env, "posts", "inspect", "acc_1")
    assert code == 2

    rows = await as_json(cli_env, "webhooks", "deliveries", "--email", owner.email)
    assert [(r["event_type"], r["status"], r["response_status"]) for r in rows] == [
        ("post.published", "succeeded", 200)
    ]
    assert len(rows[0]["attempt_log"]) == 1 and len(receiver.received) == 1
    assert await as_json(cli_env, "webhooks", "deliveries", "--status", "failed") == []
    assert await as_json(cli_env, "webhooks", "deliveries", "--webhook", "wh_none") == []
    code, out = await lowtato(cli_env, "webhooks", "deliveries", "--email", "nobody@x.org")
    assert code == 1 and "no user with email" in out
    code, out = await lowtato(cli_env, "webhooks", "deliveries", "--status", "lost")
    assert code == 2


async def test_accounts_disable(
    client: httpx.AsyncClient, owner: Owner, cli_env: dict[str, str]
) -> None:
    account = await connect(client, owner)
    code, out = await lowtato(cli_env, "accounts", "disable", "acc_doesnotexist")
    assert code == 1 and "no account acc_doesnotexist" in out
    code, out = await lowtato(cli_env, "accounts", "refresh", account)
    assert code == 1 and "does not expire" in out  # sandbox tokens never expire
    assert (await as_json(cli_env, "accounts", "disable", account))["changed"] is True
    listed = (await client.get("/api/v1/accounts", headers=owner.headers)).json()["accounts"]
    assert [a["id"] for a in listed if not a["is_active"]] == [account], listed
    assert (await as_json(cli_env, "accounts", "disable", account))["changed"] is False
    code, out = await lowtato(cli_env, "accounts", "refresh", account)
    assert code == 1 and "disconnected" in out


async def test_accounts_refresh_asks_the_platform(
    live_app: FastAPI, make_owner: OwnerFactory, fakes: Fakes, database_url: str,
    tmp_path: Path,
) -> None:  # fmt: skip
    live = await make_owner(livemode=True)
    kit = KITS["twitter"](fakes)
    grant = kit.grant()
    async with client_for(live_app) as client:
        account = await _connect(client, live, {
            "platform": "twitter", "access_token": grant.access_token,
            "refresh_token": grant.refresh_token, "expires_in": 7200, **grant.extra,
        })  # fmt: skip
    platform = {
        f"LOWTATO_PLATFORMS__TWITTER__{name}": value
        for name, value in {"BASE_URL": fakes.url + FAKE_PREFIXES["twitter"],
                            "AUTH_URL": fakes.url + FAKE_PREFIXES["twitter"],
                            "CLIENT_ID": "twitter-client-id",
                            "CLIENT_SECRET": "twitter-client-secret"}.items()
    }  # fmt: skip
    env = _env(database_url, tmp_path, **platform)
    assert kit.refresh_calls() == 0
    refreshed = await as_json(env, "accounts", "refresh", account)
    assert refreshed["refreshed"] is True and kit.refresh_calls() == 1


@pytest.mark.skipif(bool(PG_URL), reason="the SQLite backup; PostgreSQL is refused below")
async def test_backup_copies_the_sqlite_database(
    client: httpx.AsyncClient, owner: Owner, cli_env: dict[str, str], tmp_path: Path
) -> None:
    account = await connect(client, owner)
    for text in ("one", "two", "three"):
        assert (await create_post(client, owner, account, text)).status_code == 201
    target = tmp_path / "copy.db"
    made = await as_json(cli_env, "backup", str(target))
    assert made["integrity"] == "ok" and made["bytes"] == target.stat().st_size
    with sqlite3.connect(target) as copy:
        texts = {r[0] for r in copy.execute("SELECT content_text FROM posts WHERE owner_id = ?",
                                            (owner.user_id,))}  # fmt: skip
    assert texts == {"one", "two", "three"}
    code, out = await lowtato(cli_env, "backup", str(target))
    assert code == 1 and "exists" in out


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL")
async def test_backup_on_postgresql_points_to_pg_dump(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    code, out = await lowtato(cli_env, "backup", str(tmp_path / "x.db"))
    assert code == 1 and "pg_dump" in out
    assert not (tmp_path / "x.db").exists()
