"""Each failure class ends in the right state (sandbox magic strings)."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI
from tests.api import connect, create_post
from tests.conftest import AppFactory, Owner
from tests.engine.conftest import event_types, sandbox_creates

from lowtato.jobs.worker import Worker
from lowtato.kit.clock import FrozenClock, iso
from lowtato.platforms.base import Credentials, PublishRequest


async def _due(
    client: httpx.AsyncClient, owner: Owner, account: str, text: str, frozen: FrozenClock
) -> str:
    # A Facebook post goes to a Page (the sandbox account's, as a live one would need).
    subs = await client.get(f"/api/v1/accounts/{account}/subaccounts", headers=owner.headers)
    pages = [s["id"] for s in subs.json()["subaccounts"] if s["type"] == "facebook_page"]
    post = {"accountId": account, "content": {"text": text}}
    response = await client.post(
        "/api/v1/posts",
        headers=owner.headers,
        json={
            "post": {**post, "subaccountId": pages[0]} if pages else post,
            "scheduledTime": iso(frozen.now() + timedelta(seconds=30)),
        },
    )
    assert response.status_code == 201, response.text
    frozen.advance(timedelta(seconds=30))
    return str(response.json()["id"])


async def _get(client: httpx.AsyncClient, owner: Owner, post_id: str) -> dict[str, object]:
    return dict((await client.get(f"/api/v1/posts/{post_id}", headers=owner.headers)).json())


async def test_rate_limited_retries_at_the_reset_then_gives_up(
    app: FastAPI, client: httpx.AsyncClient, tester: Owner, worker: Worker, frozen: FrozenClock
) -> None:
    account = await connect(client, tester, "twitter", "1")
    post_id = await _due(client, tester, account, "hi [sandbox:rate_limited]", frozen)
    await worker.run_once()
    post = await _get(client, tester, post_id)
    assert (post["status"], post["publish_state"], post["error_code"]) == (
        "publishing",
        "retrying",
        "rate_limited",
    )
    assert "retrying in 60 s" in str(post["error_message"])
    frozen.advance(timedelta(seconds=59))
    await worker.run_once()  # honours the platform's reset time: no attempt yet
    assert "attempt 1 of 5" in str((await _get(client, tester, post_id))["error_message"])
    for _ in range(4):
        frozen.advance(timedelta(seconds=61))
        await worker.run_once()
    post = await _get(client, tester, post_id)
    assert post["status"] == "failed" and post["error_code"] == "rate_limited"
    assert "gave up after 5 attempts" in str(post["error_message"])
    assert await sandbox_creates(app, post_id) == 0


async def test_flaky_platform_is_retried(
    app: FastAPI, client: httpx.AsyncClient, tester: Owner, worker: Worker, frozen: FrozenClock
) -> None:
    account = await connect(client, tester, "facebook", "1")
    post_id = await _due(client, tester, account, "[sandbox:flaky] hello", frozen)
    await worker.run_once()
    assert (await _get(client, tester, post_id))["publish_state"] == "retrying"
    frozen.advance(timedelta(seconds=2))
    await worker.run_once()
    post = await _get(client, tester, post_id)
    assert post["status"] == "published" and post["error_code"] is None
    assert await sandbox_creates(app, post_id) == 1


async def test_rejected_fails_with_reason(
    client: httpx.AsyncClient, tester: Owner, worker: Worker, frozen: FrozenClock
) -> None:
    account = await connect(client, tester, "threads", "1")
    post_id = await _due(client, tester, account, "no [sandbox:rejected]", frozen)
    await worker.run_once()
    post = await _get(client, tester, post_id)
    assert (post["status"], post["error_code"]) == ("failed", "rejected")
    assert "refused this content" in str(post["error_message"])


async def test_expired_token_fails_and_disconnects_account(
    app: FastAPI, client: httpx.AsyncClient, tester: Owner, worker: Worker, frozen: FrozenClock
) -> None:
    account = await connect(client, tester, "linkedin", "1")
    post_id = await _due(client, tester, account, "[sandbox:token_expired]", frozen)
    other = (
        await create_post(
            client, tester, account, "next", scheduledTime=iso(frozen.now() + timedelta(hours=1))
        )
    ).json()["id"]
    await worker.run_once()
    post = await _get(client, tester, post_id)
    assert (post["status"], post["error_code"]) == ("failed", "token_expired")
    assert "Reconnect the account" in str(post["error_message"])
    accounts = (await client.get("/api/v1/accounts", headers=tester.headers)).json()["accounts"]
    assert accounts[0]["is_active"] is False
    assert "token expired" in accounts[0]["disconnected_reason"]
    assert "account.disconnected" in await event_types(app, tester)
    frozen.advance(timedelta(hours=1))
    await worker.run_once()
    assert (await _get(client, tester, other))["error_code"] == "account_disconnected"
    # reconnecting makes it active again
    await connect(client, tester, "linkedin", "1")
    accounts = (await client.get("/api/v1/accounts", headers=tester.headers)).json()["accounts"]
    assert accounts[0]["is_active"] is True


async def test_accepted_then_answer_lost_is_reconciled_not_resent(
    app: FastAPI, client: httpx.AsyncClient, tester: Owner, worker: Worker, frozen: FrozenClock
) -> None:
    account = await connect(client, tester, "bluesky", "1")
    post_id = await _due(client, tester, account, "[sandbox:timeout_after_accept] hi", frozen)
    await worker.run_once()
    post = await _get(client, tester, post_id)
    assert (post["status"], post["publish_state"]) == ("publishing", "unconfirmed")
    assert "not be sent twice" in str(post["error_message"])
    frozen.advance(timedelta(seconds=5))
    await worker.run_once()
    post = await _get(client, tester, post_id)
    assert post["status"] == "published" and str(post["public_url"]).startswith(
        "http://testserver/sandbox/bluesky/"
    )
    # published_at is when the platform took it, not when reconciliation found it
    assert post["published_at"] == iso(frozen.now() - timedelta(seconds=5))
    assert await sandbox_creates(app, post_id) == 1
    types = await event_types(app, tester)
    assert types.index("post.unconfirmed") < types.index("post.published")


async def test_lost_request_is_settled_failed_within_bounded_time(
    app: FastAPI, client: httpx.AsyncClient, tester: Owner, worker: Worker, frozen: FrozenClock
) -> None:
    account = await connect(client, tester, "twitter", "1")
    post_id = await _due(client, tester, account, "[sandbox:lost]", frozen)
    await worker.run_once()
    assert (await _get(client, tester, post_id))["publish_state"] == "unconfirmed"
    # Like a live platform's index, a miss soon after the send proves nothing yet.
    frozen.advance(timedelta(seconds=5))
    await worker.run_once()
    assert (await _get(client, tester, post_id))["publish_state"] == "unconfirmed"
    elapsed = timedelta(seconds=5)
    while (await _get(client, tester, post_id))["status"] == "publishing":
        frozen.advance(timedelta(seconds=30))
        elapsed += timedelta(seconds=30)
        await worker.run_once()
        assert elapsed < timedelta(minutes=10)
    post = await _get(client, tester, post_id)
    assert (post["status"], post["error_code"]) == ("failed", "not_published")
    assert "safe to publish it again" in str(post["error_message"])
    assert await sandbox_creates(app, post_id) == 0


async def test_sandbox_finds_a_lost_post_by_content_and_author_like_live(
    app: FastAPI, frozen: FrozenClock
) -> None:
    # Threads has no client-chosen post key, so, as live, a lost post is found by content.
    adapter, ctx = app.state.services.adapters.get("threads", sandbox=True)
    me = Credentials("did:plc:me", "me.test", None)
    other = Credentials("did:plc:other", "other.test", None)
    since = frozen.now()
    # What the platform holds: our text made under another request id (a live platform has
    # no idea of our ids), another author's identical text, and other text of ours.
    await app.state.services.sandbox.create(
        "threads",
        me.platform_user_id,
        me.username,
        PublishRequest("post_elsewhere", "the text", [], {}),
    )
    await app.state.services.sandbox.create("threads", other.platform_user_id, other.username,
                                            PublishRequest("post_other", "other text", [], {}))  # fmt: skip
    found = await adapter.find_published(
        ctx, me, PublishRequest("post_mine", "the text", [], {}), since
    )
    assert found is not None and found.public_url.startswith("http://testserver/sandbox/threads/")
    assert (
        await adapter.find_published(
            ctx, me, PublishRequest("post_elsewhere", "other text", [], {}), since
        )
        is None
    )
    assert (
        await adapter.find_published(
            ctx, other, PublishRequest("post_elsewhere", "the text", [], {}), since
        )
        is None
    )
    later = since + timedelta(seconds=1)
    assert await adapter.find_published(ctx, me, PublishRequest("post_mine", "the text", [], {}), later) is None  # fmt: skip


async def test_sandbox_miss_settles_after_a_realistic_delay(app: FastAPI) -> None:
    adapter, _ = app.state.services.adapters.get("twitter", sandbox=True)
    assert adapter.find_settle_seconds == 30.0


async def test_sandbox_settle_delay_is_configurable(app_factory: AppFactory) -> None:
    quick = await app_factory(sandbox_settle_seconds=0)
    adapter, _ = quick.state.services.adapters.get("twitter", sandbox=True)
    assert adapter.find_settle_seconds == 0.0
