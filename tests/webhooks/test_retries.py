"""Retries, status handling and auto-disable on a virtual clock (docs/reference/reliability.md T8, T9)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from email.utils import format_datetime

import httpx
from fastapi import FastAPI
from tests.api import connect
from tests.conftest import Owner
from tests.webhooks.conftest import (
    T0,
    Received,
    Receiver,
    Reply,
    at,
    count_events,
    create_webhook,
    deliveries,
    get_webhook,
    make_worker,
)

from lowtato.jobs import queue
from lowtato.jobs.worker import Worker
from lowtato.kit.clock import FrozenClock
from lowtato.webhooks.delivery import WebhookSender
from lowtato.webhooks.service import DELIVER_KIND, job_key

# Seconds from the first attempt (Svix / docs/reference/reliability.md T8).
SCHEDULE = [0, 5, 305, 2_105, 9_305, 27_305, 63_305, 99_305]


def answering(status: int, headers: dict[str, str] | None = None, body: bytes = b"") -> object:
    async def reply(_request: Received) -> Reply:
        return status, headers or {}, body

    return reply


async def follow(
    client: httpx.AsyncClient, owner: Owner, worker: Worker, frozen: FrozenClock, hook: str
) -> dict[str, object]:
    """Run the worker, then jump to the delivery's next attempt, until it settles."""
    for _ in range(20):
        await worker.run_once()
        [delivery] = await deliveries(client, owner, hook)
        if delivery["next_attempt_at"] is None:
            return delivery
        frozen.set(at(delivery["next_attempt_at"]))
    raise AssertionError("the delivery never settled")


async def test_500_forever_follows_the_schedule_then_fails(
    client: httpx.AsyncClient, owner: Owner, receiver: Receiver, worker: Worker, frozen: FrozenClock
) -> None:
    receiver.responder = answering(500)  # type: ignore[assignment]
    hook = await create_webhook(client, owner, receiver.url)
    await connect(client, owner)
    delivery = await follow(client, owner, worker, frozen, hook["id"])

    offsets = [(r.at - T0).total_seconds() for r in receiver.received]
    print(f"\nT8: attempts {len(offsets)} at offsets {offsets} s")
    assert len(offsets) == 8
    for seen, nominal in zip(offsets, SCHEDULE, strict=True):
        assert nominal * 0.9 <= seen <= nominal * 1.1, (seen, nominal)
    assert delivery["status"] == "failed" and delivery["attempts"] == 8
    assert delivery["error"] == "HTTP 500" and len(delivery["attempt_log"]) == 8  # type: ignore[arg-type]
    ids = {r.headers["webhook-id"] for r in receiver.received}
    stamps = [int(r.headers["webhook-timestamp"]) for r in receiver.received]
    assert len(ids) == 1 and stamps == sorted(set(stamps))  # same id, fresh timestamp each time

    frozen.advance(timedelta(days=3))
    await worker.run_once()
    assert len(receiver.received) == 8
    assert (await get_webhook(client, owner, hook["id"]))["is_active"] is True  # < 5 days


async def test_retry_after_pushes_the_next_attempt(
    client: httpx.AsyncClient, owner: Owner, receiver: Receiver, worker: Worker, frozen: FrozenClock
) -> None:
    answers = iter(
        [
            (503, {"Retry-After": "3600"}),
            (429, {"Retry-After": format_datetime(T0 + timedelta(hours=3), usegmt=True)}),
            (429, {"Retry-After": "1"}),  # sooner than the schedule: the schedule wins
            (200, {}),
        ]
    )

    async def reply(_request: Received) -> Reply:
        status, headers = next(answers)
        return status, headers, b""

    receiver.responder = reply
    hook = await create_webhook(client, owner, receiver.url)
    await connect(client, owner)
    await worker.run_once()
    [first] = await deliveries(client, owner, hook["id"])
    assert (at(first["next_attempt_at"]) - T0).total_seconds() >= 3600
    frozen.set(T0 + timedelta(seconds=3599))
    await worker.run_once()
    assert len(receiver.received) == 1  # not before Retry-After
    frozen.set(at(first["next_attempt_at"]))
    await worker.run_once()
    [second] = await deliveries(client, owner, hook["id"])
    assert at(second["next_attempt_at"]) >= T0 + timedelta(hours=3)
    frozen.set(at(second["next_attempt_at"]))
    await worker.run_once()
    [third] = await deliveries(client, owner, hook["id"])
    assert (at(third["next_attempt_at"]) - frozen.now()).total_seconds() >= 1_800 * 0.9
    frozen.set(at(third["next_attempt_at"]))
    await worker.run_once()
    [done] = await deliveries(client, owner, hook["id"])
    assert done["status"] == "succeeded" and done["attempts"] == 4
    assert [a["status_code"] for a in done["attempt_log"]] == [503, 429, 429, 200]


async def test_410_disables_at_once(
    app: FastAPI,
    client: httpx.AsyncClient,
    owner: Owner,
    receiver: Receiver,
    worker: Worker,
    frozen: FrozenClock,
) -> None:
    receiver.responder = answering(500)  # type: ignore[assignment]
    hook = await create_webhook(client, owner, receiver.url)
    await connect(client, owner, "twitter", "1")
    await worker.run_once()  # a delivery now waiting for its retry
    receiver.responder = answering(410)  # type: ignore[assignment]
    await connect(client, owner, "twitter", "2")
    await worker.run_once()

    webhook = await get_webhook(client, owner, hook["id"])
    assert webhook["is_active"] is False and "410 Gone" in webhook["disabled_reason"]
    assert webhook["disabled_at"] is not None
    gone, waiting = await deliveries(client, owner, hook["id"])
    assert gone["status"] == "failed" and gone["attempts"] == 1 and gone["response_status"] == 410
    assert waiting["status"] == "failed" and waiting["attempts"] == 1
    assert "endpoint was disabled" in waiting["error"]
    assert await count_events(app, owner, "webhook.disabled") == 1

    await connect(client, owner, "twitter", "3")  # no delivery for a disabled endpoint
    frozen.advance(timedelta(days=2))
    await worker.run_once()
    print(f"\nT8: 410 → requests after disabling: {len(receiver.received) - 2}")
    assert len(receiver.received) == 2
    assert len(await deliveries(client, owner, hook["id"])) == 2


async def test_redirect_is_a_failure_and_is_not_followed(
    client: httpx.AsyncClient,
    owner: Owner,
    receiver: Receiver,
    canary: Receiver,
    worker: Worker,
) -> None:
    receiver.responder = answering(302, {"Location": f"http://127.0.0.1:{canary.port}/steal"})  # type: ignore[assignment]
    hook = await create_webhook(client, owner, receiver.url)
    await connect(client, owner)
    await worker.run_once()
    [delivery] = await deliveries(client, owner, hook["id"])
    assert delivery["status"] == "pending" and delivery["response_status"] == 302
    assert "redirects are not followed" in delivery["error"]
    assert f"127.0.0.1:{canary.port}/steal" in delivery["error"]
    assert canary.connections == 0 and len(receiver.received) == 1


async def test_timeouts_oversized_answers_and_refused_connections_are_retried(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, receiver: Receiver, canary: Receiver
) -> None:
    async def slow(_request: Received) -> Reply:
        await asyncio.sleep(2)
        return 200, {}, b""

    worker = make_worker(app, WebhookSender(allow_private=True, timeout=0.3))
    receiver.responder = slow
    slow_hook = await create_webhook(client, owner, receiver.url + "/slow")
    await connect(client, owner, "twitter", "1")
    await worker.run_once()
    [timed_out] = await deliveries(client, owner, slow_hook["id"])
    assert timed_out["status"] == "pending" and timed_out["response_status"] is None
    assert "within 0.3 s" in timed_out["error"] and timed_out["duration_ms"] < 1500
    await client.delete(f"/api/v1/webhooks/{slow_hook['id']}", headers=owner.headers)

    receiver.responder = answering(200, body=b"x" * 100_000)  # type: ignore[assignment]
    big_hook = await create_webhook(client, owner, receiver.url + "/big")
    await connect(client, owner, "twitter", "2")
    await worker.run_once()
    [too_big] = await deliveries(client, owner, big_hook["id"])
    assert too_big["status"] == "pending" and "65536-byte limit" in too_big["error"]
    await client.delete(f"/api/v1/webhooks/{big_hook['id']}", headers=owner.headers)

    port = canary.port
    await canary.close()  # nothing listens there any more
    closed = await create_webhook(client, owner, f"http://127.0.0.1:{port}/hook")
    await connect(client, owner, "twitter", "3")
    await worker.run_once()
    [refused] = await deliveries(client, owner, closed["id"])
    assert refused["status"] == "pending" and "could not connect" in refused["error"]
    await canary.start()  # the fixture closes it again


async def test_five_days_of_failure_disable_the_endpoint(
    app: FastAPI,
    client: httpx.AsyncClient,
    owner: Owner,
    receiver: Receiver,
    worker: Worker,
    frozen: FrozenClock,
) -> None:
    receiver.responder = answering(503)  # type: ignore[assignment]
    hook = await create_webhook(client, owner, receiver.url)
    for i in range(10):  # an event every 12 h for 4.5 days, every attempt failing
        frozen.set(T0 + timedelta(hours=12 * i))
        await connect(client, owner, "twitter", f"u{i}")
        await worker.run_once()
        assert (await get_webhook(client, owner, hook["id"]))["is_active"] is True
    frozen.set(T0 + timedelta(days=5))
    await connect(client, owner, "twitter", "last")
    await worker.run_once()

    webhook = await get_webhook(client, owner, hook["id"])
    disabled = int(not webhook["is_active"])
    notices = await count_events(app, owner, "webhook.disabled")
    print(f"\nT9: after 5 days of failures disabled={disabled} notices={notices}")
    assert (disabled, notices) == (1, 1)
    assert "failed for 5 days" in webhook["disabled_reason"]
    assert all(d["status"] == "failed" for d in await deliveries(client, owner, hook["id"]))
    before = len(receiver.received)
    frozen.advance(timedelta(days=2))
    await connect(client, owner, "twitter", "after")
    await worker.run_once()
    assert len(receiver.received) == before

    # Re-enabling starts afresh: the next failure does not disable it again.
    await client.put(f"/api/v1/webhooks/{hook['id']}", headers=owner.headers,
                     json={"is_active": True})  # fmt: skip
    await connect(client, owner, "twitter", "again")
    await worker.run_once()
    assert (await get_webhook(client, owner, hook["id"]))["is_active"] is True


async def test_an_hour_of_outage_does_not_disable(
    app: FastAPI,
    client: httpx.AsyncClient,
    owner: Owner,
    receiver: Receiver,
    worker: Worker,
    frozen: FrozenClock,
) -> None:
    async def outage(_request: Received) -> Reply:
        down = frozen.now() < T0 + timedelta(hours=1) or frozen.now() >= T0 + timedelta(days=6)
        return (500 if down else 200), {}, b""

    receiver.responder = outage
    hook = await create_webhook(client, owner, receiver.url)
    await connect(client, owner, "twitter", "first")
    recovered = await follow(client, owner, worker, frozen, hook["id"])
    assert recovered["status"] == "succeeded" and recovered["attempts"] == 5
    for i in range(1, 12):  # healthy for the next 5.5 days
        frozen.set(T0 + timedelta(hours=12 * i))
        await connect(client, owner, "twitter", f"u{i}")
        await worker.run_once()
    frozen.set(T0 + timedelta(days=6))  # failing again: the streak starts now, not at T0
    await connect(client, owner, "twitter", "late")
    await worker.run_once()
    webhook = await get_webhook(client, owner, hook["id"])
    disabled = int(not webhook["is_active"])
    print(f"\nT9: after a 1 h outage disabled={disabled}")
    assert disabled == 0 and await count_events(app, owner, "webhook.disabled") == 0


async def test_the_job_is_safe_to_run_again(
    app: FastAPI,
    client: httpx.AsyncClient,
    owner: Owner,
    receiver: Receiver,
    worker: Worker,
    frozen: FrozenClock,
) -> None:
    """A job run again (a rescue after a crash, a duplicate wake-up) neither sends a settled
    delivery twice nor sends a waiting one before its time."""
    receiver.responder = answering(500)  # type: ignore[assignment]
    hook = await create_webhook(client, owner, receiver.url)
    await connect(client, owner)
    await worker.run_once()
    [waiting] = await deliveries(client, owner, hook["id"])

    async def rerun() -> None:
        async with app.state.db.transaction() as session:
            await queue.enqueue(
                session,
                kind=DELIVER_KIND,
                key=job_key(waiting["id"]),
                payload={"delivery_id": waiting["id"]},
            )
        await worker.run_once()

    await rerun()  # before its retry time: nothing is sent
    assert len(receiver.received) == 1
    [still] = await deliveries(client, owner, hook["id"])
    assert still["attempts"] == 1 and still["next_attempt_at"] == waiting["next_attempt_at"]

    receiver.responder = answering(204)  # type: ignore[assignment]
    frozen.set(at(waiting["next_attempt_at"]))
    await worker.run_once()
    await rerun()  # after it succeeded: nothing is sent
    [done] = await deliveries(client, owner, hook["id"])
    assert done["status"] == "succeeded" and done["attempts"] == 2
    assert len(receiver.received) == 2
