"""No secret at rest or in the logs: after a run that makes API keys, connects live accounts
on the contract fakes (X, LinkedIn, Facebook, Bluesky) and sandbox accounts, connects one
through the OAuth flow, registers webhooks and rotates their secrets, delivers events,
publishes and refreshes tokens, a dump of every table and every log line of the run contain
none of the secrets the run created or the fakes issued, in plain text or base64."""

from __future__ import annotations

import base64
import json
import logging
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from tests.accounts.test_connection_health import KITS, Grant
from tests.conftest import Owner, OwnerFactory, client_for
from tests.fakes import facebook_graph as fb
from tests.fakes import linkedin_store as li
from tests.fakes import x as xfake
from tests.fakes.fixtures import FAKE_PREFIXES, Fakes

from lowtato.jobs.worker import Worker
from lowtato.kit.clock import FrozenClock, use_clock
from lowtato.models import Base


@pytest.fixture
def frozen() -> Iterator[FrozenClock]:
    clock = FrozenClock(datetime.now(UTC).replace(microsecond=0))
    with use_clock(clock):
        yield clock


def _forms(value: str) -> set[str]:
    """The value and the encodings a careless log line or column could hold it in."""
    raw = value.encode()
    b64 = base64.b64encode(raw).decode()
    url = base64.urlsafe_b64encode(raw).decode()
    return {value, b64, b64.rstrip("="), url, url.rstrip("="), raw.hex()}


def _issued_by_fakes(fakes: Fakes) -> set[str]:
    """Every token, refresh token and app password the fakes handed out during the run."""
    x_store = xfake.store(fakes.state)
    linkedin = li.data(fakes.state)
    facebook = fb.data(fakes.state)
    bluesky = fakes.state.data["bluesky"]
    return {
        *x_store.tokens, *x_store.refresh_tokens,
        *linkedin.tokens, *linkedin.refresh_tokens,
        *facebook.tokens, *facebook.page_tokens.values(),
        *bluesky.get("access", {}), *bluesky.get("refresh", {}),
        *(a["password"] for a in bluesky.get("accounts", {}).values()),
    }  # fmt: skip


async def _dump(app: FastAPI) -> str:
    """Every row of every table, each value as text (bytes also as latin-1 and hex)."""
    parts: list[str] = []
    async with app.state.db.transaction(readonly=True) as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                for value in row:
                    if isinstance(value, bytes | bytearray | memoryview):
                        data = bytes(value)
                        parts += [data.decode("latin-1"), data.hex()]
                    elif isinstance(value, dict | list):
                        parts.append(json.dumps(value))
                    parts.append(str(value))
    return "\n".join(parts)


async def _connect(client: httpx.AsyncClient, owner: Owner, body: dict[str, Any]) -> str:
    response = await client.post("/api/v1/accounts/connect", headers=owner.headers, json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _publish(client: httpx.AsyncClient, owner: Owner, account: str, text: str) -> str:
    post: dict[str, Any] = {"accountId": account, "content": {"text": text}}
    subs = await client.get(f"/api/v1/accounts/{account}/subaccounts", headers=owner.headers)
    if subs.json()["subaccounts"]:
        post["subaccountId"] = subs.json()["subaccounts"][0]["id"]
    created = await client.post("/api/v1/posts", headers=owner.headers, json={"post": post})
    assert created.status_code == 201, created.text
    post_id = str(created.json()["id"])
    await client.post(f"/api/v1/posts/{post_id}/publish", headers=owner.headers)
    return post_id


async def _oauth_connect(client: httpx.AsyncClient, owner: Owner, fakes: Fakes) -> None:
    xfake.store(fakes.state).user("2002", "linked_user")
    async with httpx.AsyncClient() as browser:
        link = await client.post(
            "/api/v1/accounts/connect-link", headers=owner.headers, json={"platform": "twitter"}
        )
        assert link.status_code == 201, link.text
        consent = await browser.get(link.json()["url"])
        callback = urlsplit(consent.headers["location"])
        done = await client.get(f"{callback.path}?{callback.query}")
        assert done.status_code < 400, done.text


async def test_no_secret_in_the_database_or_the_logs(
    live_app: FastAPI,
    live_worker: Worker,
    make_owner: OwnerFactory,
    fakes: Fakes,
    frozen: FrozenClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    created: set[str] = {f"{name}-client-secret" for name in FAKE_PREFIXES}
    live = await make_owner(email="s@example.com", livemode=True)
    test = await make_owner(email="s@example.com")
    scoped = await make_owner(email="s@example.com", livemode=True, scopes=["posts:read"])
    created |= {live.key, test.key, scoped.key, live.key[17:], test.key[17:], scoped.key[17:]}

    async with client_for(live_app) as client:
        # live accounts on each fake, tokens expiring soon so publishing refreshes them
        accounts = []
        for platform, kit_of in KITS.items():
            kit = kit_of(fakes)
            grant: Grant = kit.grant()
            body: dict[str, Any] = {
                "platform": platform, "access_token": grant.access_token, **grant.extra,
            }  # fmt: skip
            if grant.refresh_token:
                body["refresh_token"] = grant.refresh_token
            if platform != "bluesky":
                body["expires_in"] = 120
            accounts.append((kit, await _connect(client, live, body)))
        await _oauth_connect(client, live, fakes)
        # sandbox accounts with a test key
        for platform in ("twitter", "bluesky", "linkedin"):
            token, refresh = secrets.token_urlsafe(20), secrets.token_urlsafe(20)
            created |= {token, refresh}
            await _connect(client, test, {
                "platform": platform, "access_token": token, "refresh_token": refresh,
                "platform_user_id": f"sbx-{platform}", "platform_username": f"sbx_{platform}",
            })  # fmt: skip
        # webhooks: created, rotated, delivered
        for owner in (live, test):
            hook = await client.post(
                "/api/v1/webhooks",
                headers=owner.headers,
                json={"url": f"{fakes.url}/hooks", "events": ["post.published", "post.failed"]},
            )
            assert hook.status_code == 201, hook.text
            created.add(hook.json()["secret"])
            rotated = await client.post(
                f"/api/v1/webhooks/{hook.json()['id']}/rotate-secret", headers=owner.headers
            )
            created.add(rotated.json()["secret"])
            await client.post(f"/api/v1/webhooks/{hook.json()['id']}/test", headers=owner.headers)
        # publish on every live account (each token is due: refreshed first), then later
        # run the periodic refresh, and publish on the sandbox
        for kit, account in accounts:
            kit.due()
            await _publish(client, live, account, f"secrets sweep on {kit.platform}")
        for _ in range(3):
            await live_worker.run_once()
        frozen.advance(timedelta(days=2))
        for _ in range(3):
            await live_worker.run_once()
        listed = (await client.get("/api/v1/posts", headers=live.headers)).json()["posts"]
        assert {p["status"] for p in listed} == {"published"}, listed
        sandbox = (await client.get("/api/v1/accounts", headers=test.headers)).json()["accounts"]
        await _publish(client, test, sandbox[0]["id"], "sandbox secrets sweep")
        await live_worker.run_once()

    refreshed = {kit.platform: kit.refresh_calls() for kit, _ in accounts}
    assert all(refreshed[p] >= 1 for p in ("twitter", "linkedin", "facebook")), refreshed
    created |= _issued_by_fakes(fakes)
    created = {value for value in created if len(value) >= 8}
    dump, logs = await _dump(live_app), caplog.text
    assert len(logs) > 1000 and len(dump) > 1000
    texts = [("database", dump)] + [
        (f"log {r.name}:{r.lineno}", r.getMessage()) for r in caplog.records
    ]
    leaks = sorted(
        {
            f"{where}: {value[:12]}… as {form[:16]}…"
            for value in created
            for form in _forms(value)
            for where, text in texts
            if form in text
        }
        | {f"log text: {value[:12]}…" for value in created for f in _forms(value) if f in logs}
    )
    print(f"\nsecrets: {len(created)} values, {len(created) * 6} forms searched in "
          f"{len(dump)} chars of tables and {len(logs)} chars of logs; refreshes {refreshed}")  # fmt: skip
    assert leaks == []
