"""The webhook routes: registration, reading, updating, deleting, the delivery log, test events,
redelivery, and deliveries fed by real events from other domains."""

from __future__ import annotations

import base64
from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import text
from standardwebhooks import Webhook as Verifier
from tests.api import connect, create_post, error
from tests.conftest import Owner, OwnerFactory
from tests.webhooks.conftest import (
    Received,
    Receiver,
    Reply,
    create_webhook,
    deliveries,
    get_webhook,
    send_test,
)

from lowtato.jobs.worker import Worker
from lowtato.kit.clock import FrozenClock, iso
from lowtato.webhooks.service import MAX_WEBHOOKS, SUBSCRIBABLE

ALL_EVENTS = list(SUBSCRIBABLE)


async def test_create_shows_the_secret_once_and_stores_it_encrypted(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner
) -> None:
    response = await client.post(
        "/api/v1/webhooks",
        headers=owner.headers,
        json={"url": "https://hooks.example.com/in", "events": ["post.published", "post.failed"]},
    )
    assert response.status_code == 201
    created = response.json()
    assert set(created) == {"id", "url", "events", "active", "is_active", "secret", "created_at"}
    assert created["id"].startswith("wh_") and created["active"] is True
    assert created["events"] == ["post.published", "post.failed"]
    assert created["secret"].startswith("whsec_")
    assert len(base64.b64decode(created["secret"].removeprefix("whsec_"))) == 32
    assert created["created_at"].endswith("Z")

    got = await get_webhook(client, owner, created["id"])
    listed = (await client.get("/api/v1/webhooks", headers=owner.headers)).json()["webhooks"]
    assert listed == [got]
    assert "secret" not in got and got["is_active"] is True and got["disabled_reason"] is None
    assert {k: got[k] for k in ("id", "url", "events", "created_at")} == {
        k: created[k] for k in ("id", "url", "events", "created_at")
    }
    async with app.state.db.transaction() as session:
        row = (await session.execute(text("SELECT * FROM webhooks"))).mappings().one()
    stored = " ".join(str(v) for v in row.values())
    secret_b64 = created["secret"].removeprefix("whsec_")
    assert secret_b64 not in stored and row["secret_enc"].startswith("v1.")


async def test_bad_input_is_a_400_naming_the_field(client: httpx.AsyncClient, owner: Owner) -> None:
    async def post(body: object) -> dict[str, object]:
        response = await client.post("/api/v1/webhooks", headers=owner.headers, json=body)
        assert response.status_code == 400, response.text
        return error(response)

    unknown = await post({"url": "https://a.example.com/", "events": ["post.published", "nope"]})
    assert unknown["code"] == "validation_error"
    assert unknown["details"] == [
        {
            "field": "events[1]",
            "message": f"unknown event type; choose from: {', '.join(ALL_EVENTS)}",
        }
    ]
    assert "credits.low" in str(unknown["message"]) and "'nope'" in str(unknown["message"])
    empty = await post({"url": "https://a.example.com/", "events": []})
    assert empty["details"][0]["field"] == "events"  # type: ignore[index]
    missing = await post({"events": ["post.failed"]})
    assert missing["details"][0]["field"] == "url"  # type: ignore[index]
    extra = await post({"url": "https://a.example.com/", "events": ["post.failed"], "x": 1})
    assert extra["details"][0] == {"field": "x", "message": "unknown field; remove it"}  # type: ignore[index]
    too_long = await post({"url": "https://a.example.com/" + "a" * 2100, "events": ["post.failed"]})
    assert too_long["details"][0]["field"] == "url"  # type: ignore[index]
    assert (await client.get("/api/v1/webhooks", headers=owner.headers)).json() == {"webhooks": []}


async def test_events_are_deduplicated_and_the_count_is_capped(
    client: httpx.AsyncClient, owner: Owner
) -> None:
    first = await create_webhook(
        client, owner, "https://a.example.com/", ["post.failed", "post.failed", "credits.low"]
    )
    assert first["events"] == ["post.failed", "credits.low"]
    for i in range(MAX_WEBHOOKS - 1):
        await create_webhook(client, owner, f"https://a.example.com/{i}")
    over = await client.post(
        "/api/v1/webhooks",
        headers=owner.headers,
        json={"url": "https://a.example.com/x", "events": ["post.failed"]},
    )
    assert over.status_code == 409 and error(over)["code"] == "conflict"


async def test_put_updates_and_both_deletes_work(client: httpx.AsyncClient, owner: Owner) -> None:
    hook = await create_webhook(client, owner, "https://a.example.com/")
    path = f"/api/v1/webhooks/{hook['id']}"
    put = await client.put(
        path,
        headers=owner.headers,
        json={"url": "https://b.example.com/new", "events": ["post.published"]},
    )
    assert put.status_code == 200
    assert put.json()["url"] == "https://b.example.com/new"
    assert put.json()["events"] == ["post.published"]
    assert (await get_webhook(client, owner, hook["id"]))["url"] == "https://b.example.com/new"
    bad = await client.put(path, headers=owner.headers, json={"events": ["post.nope"]})
    assert bad.status_code == 400 and error(bad)["details"][0]["field"] == "events[0]"
    assert (await client.put(path, headers=owner.headers, json={"secret": "x"})).status_code == 400

    deleted = await client.delete(path, headers=owner.headers)
    assert deleted.status_code == 200 and deleted.json() == {"deleted": True}
    assert (await client.get(path, headers=owner.headers)).status_code == 404
    assert (await client.delete(path, headers=owner.headers)).status_code == 404

    other = await create_webhook(client, owner, "https://c.example.com/")
    by_body = await client.request(
        "DELETE", "/api/v1/webhooks", headers=owner.headers, json={"id": other["id"]}
    )
    assert by_body.status_code == 200 and by_body.json() == {"deleted": True}
    gone = await client.request(
        "DELETE", "/api/v1/webhooks", headers=owner.headers, json={"id": other["id"]}
    )
    assert gone.status_code == 404 and error(gone)["code"] == "not_found"
    no_id = await client.request("DELETE", "/api/v1/webhooks", headers=owner.headers, json={})
    assert no_id.status_code == 400 and error(no_id)["details"][0]["field"] == "id"
    assert (await client.get("/api/v1/webhooks", headers=owner.headers)).json() == {"webhooks": []}


async def test_scope_and_plan_apply(client: httpx.AsyncClient, make_owner: OwnerFactory) -> None:
    reader = await make_owner(scopes=["posts:read"])
    response = await client.get("/api/v1/webhooks", headers=reader.headers)
    assert response.status_code == 403 and error(response)["code"] == "missing_scope"
    writer = await make_owner(scopes=["webhooks:write"])
    assert (await client.get("/api/v1/webhooks", headers=writer.headers)).status_code == 200


async def test_real_events_are_delivered_with_the_rest_object(
    client: httpx.AsyncClient,
    owner: Owner,
    receiver: Receiver,
    frozen: FrozenClock,
    app: FastAPI,
) -> None:
    from lowtato.runtime import build_registry  # noqa: PLC0415

    everything = Worker(app.state.db, build_registry(app.state.services), concurrency=4)
    events = ["post.scheduled", "post.published", "schedule.published"]
    hook = await create_webhook(client, owner, receiver.url, events)
    account = await connect(client, owner, "bluesky", "did:plc:hook")
    slot = await client.post(  # T0 is a Monday 12:00 UTC; the slot is Monday 13:00
        "/api/v1/schedule/slots", headers=owner.headers, json={"slots": [{"day": 1, "hour": 13}]}
    )
    assert slot.status_code == 201
    created = await create_post(
        client, owner, account, "Grüße from the hook 🚀", useNextFreeSlot=True
    )
    post_id = created.json()["id"]
    await everything.run_once()
    frozen.advance(timedelta(hours=1))
    await everything.run_once()
    await everything.run_once()

    post = (await client.get(f"/api/v1/posts/{post_id}", headers=owner.headers)).json()
    assert post["status"] == "published"
    by_type = {r.json["type"]: r for r in receiver.received}
    assert sorted(by_type) == sorted(events) and len(receiver.received) == 3
    for name in ("post.published", "schedule.published"):  # account.connected: not subscribed
        request = by_type[name]
        assert set(request.json) == {"id", "type", "created_at", "data"}
        assert request.json["data"] == post
        assert request.json["id"].startswith("evt_")
        assert request.headers["webhook-id"] == request.json["id"]
        assert request.headers["content-type"] == "application/json"
        Verifier(hook["secret"]).verify(request.body, request.headers)
    assert by_type["post.scheduled"].json["data"]["status"] == "scheduled"
    log = await deliveries(client, owner, hook["id"])
    assert [d["status"] for d in log] == ["succeeded"] * 3


async def test_test_event_goes_to_that_endpoint_only(
    client: httpx.AsyncClient, owner: Owner, receiver: Receiver, worker: Worker
) -> None:
    target = await create_webhook(client, owner, receiver.url + "/a", ALL_EVENTS)
    await create_webhook(client, owner, receiver.url + "/b", ALL_EVENTS)
    queued = await send_test(client, owner, target["id"])
    assert queued["status"] == "pending" and queued["trigger"] == "test"
    assert queued["event_type"] == "webhook.test" and queued["attempts"] == 0
    await worker.run_once()
    assert [r.path for r in receiver.received] == ["/hook/a"]
    body = receiver.received[0].json
    assert body["type"] == "webhook.test" and body["data"]["webhook"]["id"] == target["id"]
    assert "secret" not in body["data"]["webhook"]
    Verifier(target["secret"]).verify(receiver.received[0].body, receiver.received[0].headers)


async def test_delivery_log_and_redelivery(
    client: httpx.AsyncClient, owner: Owner, receiver: Receiver, worker: Worker, frozen: FrozenClock
) -> None:
    answers = iter([500, 200, 200])

    async def flaky(_request: Received) -> Reply:
        return next(answers), {}, b"nope"

    receiver.responder = flaky
    hook = await create_webhook(client, owner, receiver.url)
    await connect(client, owner, "twitter", "42")
    await worker.run_once()
    [first] = await deliveries(client, owner, hook["id"])
    assert first["status"] == "pending" and first["attempts"] == 1
    assert first["response_status"] == 500 and first["error"] == "HTTP 500: nope"
    assert first["next_attempt_at"] is not None and first["last_attempt_at"] == iso(frozen.now())
    frozen.advance(timedelta(seconds=6))
    await worker.run_once()
    [done] = await deliveries(client, owner, hook["id"])
    assert done["status"] == "succeeded" and done["attempts"] == 2
    assert done["response_status"] == 200 and done["error"] is None
    assert done["next_attempt_at"] is None and done["finished_at"] == iso(frozen.now())
    assert [a["status_code"] for a in done["attempt_log"]] == [500, 200]
    assert [a["attempt"] for a in done["attempt_log"]] == [1, 2]
    assert all(isinstance(a["duration_ms"], int) for a in done["attempt_log"])
    assert done["event_type"] == "account.connected" and done["max_attempts"] == 8

    again = await client.post(
        f"/api/v1/webhooks/{hook['id']}/deliveries/{done['id']}/redeliver", headers=owner.headers
    )
    assert again.status_code == 202
    copy = again.json()
    assert copy["id"] != done["id"] and copy["event_id"] == done["event_id"]
    assert copy["redelivery_of"] == done["id"] and copy["trigger"] == "redeliver"
    frozen.advance(timedelta(seconds=30))
    await worker.run_once()
    original, resent = receiver.received[1], receiver.received[2]
    assert resent.body == original.body
    assert resent.headers["webhook-id"] == original.headers["webhook-id"] == done["event_id"]
    assert (
        int(resent.headers["webhook-timestamp"]) == int(original.headers["webhook-timestamp"]) + 30
    )
    Verifier(hook["secret"]).verify(resent.body, resent.headers)
    log = await deliveries(client, owner, hook["id"])
    assert [d["id"] for d in log] == [copy["id"], done["id"]]  # newest first
    assert log[0]["status"] == "succeeded"

    missing = await client.post(
        f"/api/v1/webhooks/{hook['id']}/deliveries/whd_nope/redeliver", headers=owner.headers
    )
    assert missing.status_code == 404 and error(missing)["code"] == "not_found"


async def test_deliveries_are_paginated_and_filtered(
    client: httpx.AsyncClient, owner: Owner, receiver: Receiver
) -> None:
    hook = await create_webhook(client, owner, receiver.url)
    ids = [(await send_test(client, owner, hook["id"]))["id"] for _ in range(5)]
    path = f"/api/v1/webhooks/{hook['id']}/deliveries"
    first = (await client.get(f"{path}?limit=2", headers=owner.headers)).json()
    assert [d["id"] for d in first["deliveries"]] == ids[::-1][:2]
    assert first["meta"] == {"limit": 2, "offset": 0, "count": 5, "has_more": True}
    last = (await client.get(f"{path}?limit=2&offset=4", headers=owner.headers)).json()
    assert [d["id"] for d in last["deliveries"]] == ids[:1]
    assert last["meta"] == {"limit": 2, "offset": 4, "count": 5, "has_more": False}
    pending = (await client.get(f"{path}?status=pending", headers=owner.headers)).json()
    assert pending["meta"]["count"] == 5
    none = (await client.get(f"{path}?status=succeeded", headers=owner.headers)).json()
    assert none == {
        "deliveries": [],
        "meta": {"limit": 20, "offset": 0, "count": 0, "has_more": False},
    }
    for bad in ("limit=101", "limit=0", "offset=-1", "status=sent"):
        response = await client.get(f"{path}?{bad}", headers=owner.headers)
        assert response.status_code == 400 and error(response)["code"] == "validation_error", bad


async def test_pausing_drops_pending_and_reenabling_resumes(
    client: httpx.AsyncClient, owner: Owner, receiver: Receiver, worker: Worker
) -> None:
    hook = await create_webhook(client, owner, receiver.url)
    path = f"/api/v1/webhooks/{hook['id']}"
    queued = await send_test(client, owner, hook["id"])
    paused = await client.put(path, headers=owner.headers, json={"is_active": False})
    assert paused.json()["is_active"] is False and "owner" in paused.json()["disabled_reason"]
    [dropped] = await deliveries(client, owner, hook["id"])
    assert dropped["id"] == queued["id"] and dropped["status"] == "failed"
    assert dropped["error"].startswith("not sent: the endpoint was disabled")
    blocked = await client.post(f"{path}/test", headers=owner.headers)
    assert blocked.status_code == 409 and error(blocked)["code"] == "conflict"
    redo = await client.post(f"{path}/deliveries/{queued['id']}/redeliver", headers=owner.headers)
    assert redo.status_code == 409
    await connect(client, owner, "twitter", "7")  # subscribed, but paused: no delivery
    await worker.run_once()
    assert receiver.received == []

    resumed = await client.put(path, headers=owner.headers, json={"is_active": True})
    assert resumed.json()["is_active"] is True and resumed.json()["disabled_reason"] is None
    await connect(client, owner, "twitter", "8")
    await worker.run_once()
    assert len(receiver.received) == 1


async def test_modes_do_not_mix(
    client: httpx.AsyncClient, make_owner: OwnerFactory, receiver: Receiver, worker: Worker
) -> None:
    test_key = await make_owner(email="m@example.com")
    live_key = await make_owner(email="m@example.com", livemode=True)
    live_hook = await create_webhook(client, live_key, receiver.url + "/live")
    await create_webhook(client, test_key, receiver.url + "/test")
    assert [
        w["id"]
        for w in (await client.get("/api/v1/webhooks", headers=live_key.headers)).json()["webhooks"]
    ] == [live_hook["id"]]
    await connect(client, test_key, "twitter", "1")  # a test-mode event
    await worker.run_once()
    assert [r.path for r in receiver.received] == ["/hook/test"]


async def test_idempotent_create_replays_without_storing_the_secret(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner
) -> None:
    body = {"url": "https://hooks.example.com/once", "events": ["post.failed"]}
    headers = {**owner.headers, "Idempotency-Key": "create-hook-1"}
    first = await client.post("/api/v1/webhooks", headers=headers, json=body)
    again = await client.post("/api/v1/webhooks", headers=headers, json=body)
    assert first.status_code == 201 and "idempotent-replayed" not in first.headers
    assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    listed = (await client.get("/api/v1/webhooks", headers=owner.headers)).json()["webhooks"]
    assert [w["id"] for w in listed] == [first.json()["id"]]
    other = await client.post(
        "/api/v1/webhooks", headers=headers, json={**body, "events": ["post.published"]}
    )
    assert other.status_code == 422 and error(other)["code"] == "idempotency_key_reused"
    async with app.state.db.transaction() as session:
        stored = (await session.execute(text("SELECT response_body FROM idempotency_keys"))).all()
    secret_b64 = first.json()["secret"].removeprefix("whsec_")
    assert len(stored) == 1 and secret_b64 not in str(stored)
