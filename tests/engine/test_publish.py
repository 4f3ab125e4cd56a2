"""Scheduled posts publish at their time, exactly once, through the sandbox network."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from tests.api import connect, create_post, without_live_adapter
from tests.conftest import AppFactory, Owner, OwnerFactory, client_for
from tests.engine.conftest import event_types, sandbox_creates, total_sandbox_posts
from tests.legacy import legacy_account, legacy_post

from lowtato.jobs.worker import Worker
from lowtato.kit.clock import FrozenClock, iso


async def _get(client: httpx.AsyncClient, owner: Owner, post_id: str) -> dict[str, object]:
    return dict((await client.get(f"/api/v1/posts/{post_id}", headers=owner.headers)).json())


async def test_due_posts_publish_future_ones_wait(
    app: FastAPI, client: httpx.AsyncClient, tester: Owner, worker: Worker, frozen: FrozenClock
) -> None:
    account = await connect(client, tester, "bluesky", "did:plc:me")
    soon = (
        await create_post(
            client, tester, account, "soon", scheduledTime=iso(frozen.now() + timedelta(minutes=5))
        )
    ).json()["id"]
    later = (
        await create_post(
            client, tester, account, "later", scheduledTime=iso(frozen.now() + timedelta(hours=5))
        )
    ).json()["id"]

    await worker.run_once()
    assert await total_sandbox_posts(app) == 0
    frozen.advance(timedelta(minutes=5))
    await worker.run_once()
    post = await _get(client, tester, soon)
    assert post["status"] == "published"
    assert post["published_at"] == iso(frozen.now())
    assert str(post["public_url"]).startswith("http://testserver/sandbox/bluesky/sbx")
    assert (await _get(client, tester, later))["status"] == "scheduled"

    page = await client.get(str(post["public_url"]).removeprefix("http://testserver"))
    assert page.status_code == 200 and "soon" in page.text and "sandbox" in page.text
    assert await sandbox_creates(app, soon) == 1
    assert await event_types(app, tester) == [
        "account.connected", "post.scheduled", "post.scheduled", "post.published",
    ]  # fmt: skip

    await worker.run_once()  # nothing is ever published twice
    assert await sandbox_creates(app, soon) == 1


async def test_reschedule_and_delete_before_due(
    app: FastAPI, client: httpx.AsyncClient, tester: Owner, worker: Worker, frozen: FrozenClock
) -> None:
    account = await connect(client, tester, "twitter", "1")
    moved = (
        await create_post(
            client,
            tester,
            account,
            "moved",
            scheduledTime=iso(frozen.now() + timedelta(minutes=10)),
        )
    ).json()["id"]
    gone = (
        await create_post(
            client, tester, account, "gone", scheduledTime=iso(frozen.now() + timedelta(minutes=10))
        )
    ).json()["id"]
    await client.patch(f"/api/v1/schedules/{moved}", headers=tester.headers,
                       json={"scheduled_time": iso(frozen.now() + timedelta(hours=1))})  # fmt: skip
    await client.delete(f"/api/v1/schedules/{gone}", headers=tester.headers)
    frozen.advance(timedelta(minutes=10))
    await worker.run_once()
    assert (await _get(client, tester, moved))["status"] == "scheduled"
    assert await total_sandbox_posts(app) == 0
    frozen.advance(timedelta(minutes=50))
    await worker.run_once()
    assert (await _get(client, tester, moved))["status"] == "published"
    assert await total_sandbox_posts(app) == 1


async def test_content_is_checked_again_before_publishing(
    app: FastAPI, client: httpx.AsyncClient, tester: Owner, worker: Worker, frozen: FrozenClock
) -> None:
    account = await connect(client, tester, "threads", "1")
    post_id = (
        await create_post(
            client, tester, account, "ok", scheduledTime=iso(frozen.now() + timedelta(minutes=1))
        )
    ).json()["id"]
    async with app.state.db.transaction() as session:  # something changed it behind the API's back
        from sqlalchemy import text  # noqa: PLC0415

        await session.execute(
            text("UPDATE posts SET content_text = :t WHERE id = :id"),
            {"t": "x" * 501, "id": post_id},
        )
    frozen.advance(timedelta(minutes=1))
    await worker.run_once()
    post = await _get(client, tester, post_id)
    assert post["status"] == "failed" and post["error_code"] == "invalid_content"
    assert "500" in str(post["error_message"])
    assert await sandbox_creates(app, post_id) == 0


async def test_publish_now_with_the_embedded_worker(
    app_factory: AppFactory, make_owner: OwnerFactory
) -> None:
    app = await app_factory(worker=True, publish_wait_seconds=10.0)
    tester = await make_owner(livemode=False)
    async with client_for(app) as client:
        account = await connect(client, tester, "linkedin", "1")
        draft = (await create_post(client, tester, account, "right now")).json()["id"]
        response = await client.post(f"/api/v1/posts/{draft}/publish", headers=tester.headers)
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "published", body
        assert body["public_url"].startswith("http://testserver/sandbox/linkedin/")
        again = await client.post(f"/api/v1/posts/{draft}/publish", headers=tester.headers)
        assert again.json()["status"] == "published"
    assert await sandbox_creates(app, draft) == 1


async def test_publish_now_answers_current_status_when_slow(
    client: httpx.AsyncClient, tester: Owner, worker: Worker
) -> None:
    account = await connect(client, tester, "twitter", "1")
    draft = (await create_post(client, tester, account, "queued")).json()["id"]
    response = await client.post(f"/api/v1/posts/{draft}/publish", headers=tester.headers)
    assert response.status_code == 200
    assert response.json()["status"] == "scheduled"  # no worker ran within the (zero) wait
    await worker.run_once()
    assert (await _get(client, tester, draft))["status"] == "published"


async def test_live_post_left_on_a_platform_without_a_live_adapter_fails_clearly(
    app: FastAPI,
    client: httpx.AsyncClient,
    make_owner: OwnerFactory,
    worker: Worker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    without_live_adapter(monkeypatch, app, "pinterest")
    # Connect and create refuse such platforms for live keys now; a post an older build let
    # through still reaches a final state with a clear reason.
    owner = await make_owner(livemode=True)
    account = await legacy_account(app, owner, "pinterest")
    post = await legacy_post(
        app, owner, account, "pinterest", media=["https://e.com/a.jpg"],
        options={"board_id": "1"}, due_in=timedelta(0),
    )  # fmt: skip
    await worker.run_once()
    result = await _get(client, owner, post)
    assert result["status"] == "failed"
    assert result["error_code"] == "platform_unavailable"
    assert "not available" in str(result["error_message"])
