"""Every post whose time has passed ends `published` or `failed` (with a code, a message saying
what to do and `post.failed`), or is visibly retrying — whatever breaks on our side."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update
from tests.api import connect, create_post
from tests.conftest import AppFactory, Owner, OwnerFactory, client_for
from tests.engine.conftest import due_post, event_types, get_post, run_minutes, sandbox_creates

from lowtato.accounts.models import SocialAccount
from lowtato.accounts.service import token_aad
from lowtato.jobs.models import Job
from lowtato.jobs.worker import Worker
from lowtato.kit.clock import FrozenClock, iso
from lowtato.media import service as media_service
from lowtato.platforms.base import TokenSet
from lowtato.platforms.errors import AuthExpired, Retryable
from lowtato.platforms.sandbox.adapter import SandboxAdapter
from lowtato.runtime import build_registry


async def test_undecryptable_token_fails_the_post_at_once(
    app: FastAPI, client: httpx.AsyncClient, tester: Owner, worker: Worker, frozen: FrozenClock
) -> None:
    """Another host's key (or a corrupted row): retrying cannot help, so the post fails now
    with a code naming the setting, instead of staying `scheduled` forever."""
    account = await connect(client, tester, "bluesky", "1")
    post_id = await due_post(client, tester, account, frozen)
    async with app.state.db.transaction() as session:
        other_ring = type(app.state.services.keyring)([b"\x07" * 32])
        await session.execute(
            update(SocialAccount)
            .where(SocialAccount.id == account)
            .values(
                access_token_enc=other_ring.encrypt("tok", aad=token_aad(account, "access_token"))
            )
        )
    await worker.run_once()
    post = await get_post(client, tester, post_id)
    assert (post["status"], post["error_code"]) == ("failed", "credentials_unreadable")
    assert "LOWTATO_ENCRYPTION_KEYS" in post["error_message"]
    assert "post.failed" in await event_types(app, tester)
    assert await sandbox_creates(app, post_id) == 0


async def test_internal_error_before_sending_retries_visibly_then_fails(
    app: FastAPI,
    client: httpx.AsyncClient,
    tester: Owner,
    worker: Worker,
    frozen: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    account = await connect(client, tester, "linkedin", "1")
    post_id = await due_post(client, tester, account, frozen)

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(media_service, "for_publish", broken)
    await worker.run_once()
    post = await get_post(client, tester, post_id)
    assert (post["status"], post["publish_state"]) == ("publishing", "retrying")
    assert post["error_code"] == "internal_error"
    assert "not sent" in post["error_message"] and "attempt 1 of 5" in post["error_message"]
    await run_minutes(worker, frozen, 60)
    post = await get_post(client, tester, post_id)
    assert (post["status"], post["error_code"]) == ("failed", "internal_error")
    assert "safe to publish it again" in post["error_message"]
    assert (await event_types(app, tester)).count("post.failed") == 1
    assert await sandbox_creates(app, post_id) == 0


async def test_a_job_that_ran_early_does_not_spend_attempts(
    app: FastAPI, client: httpx.AsyncClient, tester: Owner, worker: Worker, frozen: FrozenClock
) -> None:
    """ "Not due yet" (a job run before the post's time) waits without counting an attempt,
    so it can never exhaust the job and strand the post."""
    account = await connect(client, tester, "threads", "1")
    response = await create_post(
        client, tester, account, "later", scheduledTime=iso(frozen.now() + timedelta(hours=1))
    )
    post_id = response.json()["id"]
    for _ in range(8):
        async with app.state.db.transaction() as session:  # something woke the job early
            await session.execute(
                update(Job).where(Job.key == f"publish:{post_id}").values(run_at=frozen.now())
            )
        await worker.run_once()
    frozen.advance(timedelta(hours=1))
    await worker.run_once()
    assert (await get_post(client, tester, post_id))["status"] == "published"


async def test_sweep_fails_an_overdue_scheduled_post_without_a_live_job(
    app: FastAPI, client: httpx.AsyncClient, tester: Owner, worker: Worker, frozen: FrozenClock
) -> None:
    account = await connect(client, tester, "facebook", "1")
    post_id = await due_post(client, tester, account, frozen)
    async with app.state.db.transaction() as session:  # its job ran out of attempts
        await session.execute(
            update(Job)
            .where(Job.key == f"publish:{post_id}")
            .values(status="failed", last_error="out of attempts (5); last: boom")
        )
    await run_minutes(worker, frozen, 12)
    post = await get_post(client, tester, post_id)
    assert (post["status"], post["error_code"]) == ("failed", "publish_failed")
    assert "not sent" in post["error_message"]
    assert "post.failed" in await event_types(app, tester)


async def test_sweep_never_calls_an_unchecked_post_not_published(
    app: FastAPI, client: httpx.AsyncClient, tester: Owner, worker: Worker, frozen: FrozenClock
) -> None:
    """`not_published` means "looked and verified absent"; a post the sweep settles was not
    looked up, so it is `unconfirmed` (look first)."""
    account = await connect(client, tester, "twitter", "1")
    post_id = await due_post(client, tester, account, frozen, "x [sandbox:timeout_after_accept]")
    await worker.run_once()
    assert (await get_post(client, tester, post_id))["publish_state"] == "unconfirmed"
    async with app.state.db.transaction() as session:  # the reconcile job died
        await session.execute(
            update(Job).where(Job.key == f"reconcile:{post_id}").values(status="failed")
        )
    await run_minutes(worker, frozen, 12)
    post = await get_post(client, tester, post_id)
    assert (post["status"], post["error_code"]) == ("failed", "unconfirmed")
    assert "look at the account" in post["error_message"].lower()


async def test_refused_token_while_looking_is_not_a_send_failure(
    app: FastAPI,
    client: httpx.AsyncClient,
    tester: Owner,
    worker: Worker,
    frozen: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    account = await connect(client, tester, "twitter", "1")
    post_id = await due_post(client, tester, account, frozen, "x [sandbox:timeout_after_accept]")
    await worker.run_once()

    async def refused(*args: Any) -> Any:
        raise AuthExpired("token revoked")

    monkeypatch.setattr(SandboxAdapter, "find_published", refused)
    await run_minutes(worker, frozen, 10)
    post = await get_post(client, tester, post_id)
    assert (post["status"], post["error_code"]) == ("failed", "unconfirmed")
    assert "look at the account" in post["error_message"].lower()
    accounts = (await client.get("/api/v1/accounts", headers=tester.headers)).json()["accounts"]
    assert [a["is_active"] for a in accounts if a["id"] == account] == [False]


async def test_lookups_that_keep_failing_end_unconfirmed(
    app: FastAPI,
    client: httpx.AsyncClient,
    tester: Owner,
    worker: Worker,
    frozen: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    account = await connect(client, tester, "linkedin", "1")
    post_id = await due_post(client, tester, account, frozen, "x [sandbox:timeout_after_accept]")
    await worker.run_once()

    async def down(*args: Any) -> Any:
        raise Retryable("502 bad gateway")

    monkeypatch.setattr(SandboxAdapter, "find_published", down)
    await run_minutes(worker, frozen, 30)
    post = await get_post(client, tester, post_id)
    assert (post["status"], post["error_code"]) == ("failed", "unconfirmed")


async def test_a_miss_before_the_platform_settled_is_not_verified_absent(
    app_factory: AppFactory, make_owner: OwnerFactory, frozen: FrozenClock
) -> None:
    """A platform that indexes slowly: the lookups keep going until its settle time has
    passed; running out of looks before that is `unconfirmed`, never `not_published`."""
    slow = await app_factory(sandbox_settle_seconds=6 * 3600.0)
    worker = Worker(slow.state.db, build_registry(slow.state.services), lease_seconds=60)
    tester = await make_owner()
    async with client_for(slow) as client:
        account = await connect(client, tester, "twitter", "1")
        post_id = await due_post(client, tester, account, frozen, "x [sandbox:lost]")
        await worker.run_once()
        await run_minutes(worker, frozen, 30)
        post = await get_post(client, tester, post_id)
    assert post["status"] == "publishing" and post["publish_state"] == "unconfirmed"
    assert post["error_code"] != "not_published"


async def test_a_rotated_refresh_token_survives_a_lost_lease(
    app: FastAPI,
    client: httpx.AsyncClient,
    tester: Owner,
    worker: Worker,
    frozen: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The platform rotated the refresh token (the old one is dead): it is stored at once,
    even when this attempt then loses its lease and discards everything else."""
    account = await connect(client, tester, "twitter", "1", expires_in=60)
    post_id = await due_post(client, tester, account, frozen)
    db = app.state.db

    async def rotate(self: SandboxAdapter, ctx: Any, creds: Any) -> TokenSet:
        async with db.transaction() as session:  # another worker takes the job over meanwhile
            await session.execute(
                update(Job)
                .where(Job.key == f"publish:{post_id}")
                .values(lease_token=Job.lease_token + 1)
            )
        return TokenSet(access_token="new-access", refresh_token="new-refresh", expires_in=3600)

    monkeypatch.setattr(SandboxAdapter, "refresh_token", rotate)
    [ctx] = [c for c in await worker.claim(10) if c.kind == "posts.publish"]
    await worker.execute(ctx)
    async with db.transaction() as session:
        row = await session.get(SocialAccount, account)
        assert row is not None and row.refresh_token_enc is not None
        ring = app.state.services.keyring
        assert ring.decrypt(row.refresh_token_enc, aad=token_aad(account, "refresh_token")) == (
            "new-refresh"
        )
