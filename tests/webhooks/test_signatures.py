"""Signature interop with the reference `standardwebhooks` verifier (docs/reference/reliability.md T6, T7).

T6 runs on the real clock (the reference library judges timestamps against the system time);
T7 freezes both lowtato's clock and the library's.
"""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from standardwebhooks import Webhook as Verifier
from standardwebhooks.webhooks import WebhookVerificationError
from tests.api import connect
from tests.conftest import Owner
from tests.webhooks.conftest import (
    Received,
    Receiver,
    create_webhook,
    get_webhook,
    send_test,
    set_verifier_clock,
)

from lowtato.events.service import EventType, emit
from lowtato.jobs.worker import Worker
from lowtato.kit.clock import FrozenClock
from lowtato.webhooks import signing
from lowtato.webhooks.service import SUBSCRIBABLE

EVENTS = 1_000
MAX_BODY = 20_000
# Unicode that has broken signers before: astral-plane emoji, combining marks, RTL, CJK,
# the JSON-significant and line-separator characters, and NUL.
ALPHABET = 'aZ09 ~"\\/\n\t\u2028\u2029\x00é̀ñ漢字かな🚀👩‍💻🏳️‍🌈שלוםمرحبا\ufeff\U0001f600'


def _text(rng: random.Random, size: int) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(size))


def _value(rng: random.Random, depth: int) -> Any:
    kind = rng.randrange(7 if depth < 4 else 4)
    if kind == 0:
        return _text(rng, rng.randrange(0, 40))
    if kind == 1:
        return rng.choice([0, -1, 2**53, rng.randrange(-(10**9), 10**9)])
    if kind == 2:
        return rng.choice([True, False, None, 1.5e-7, -0.0, 3.141592653589793])
    if kind == 3:
        return rng.uniform(-1e6, 1e6)
    if kind in (4, 5):
        return {
            _text(rng, rng.randrange(1, 12)): _value(rng, depth + 1)
            for _ in range(rng.randrange(0, 5))
        }
    return [_value(rng, depth + 1) for _ in range(rng.randrange(0, 5))]


def random_data(rng: random.Random, i: int) -> dict[str, Any]:
    """Nested, unicode-heavy event data whose delivery body is 0-20 KB."""
    data: dict[str, Any] = {"n": i, "nested": _value(rng, 0)}
    target = rng.choice([0, 10, 500, 2_000, 8_000, rng.randrange(0, MAX_BODY - 1_000)])
    size = len(json.dumps(data, ensure_ascii=False).encode())
    if target > size:
        # Multi-byte characters: cut by encoded size, not by character count.
        filler = _text(rng, target - size)
        while len(filler.encode()) > target - size:
            filler = filler[: len(filler) * 3 // 4]
        data["filler"] = filler
    return data


async def test_thousand_deliveries_verify_and_every_tamper_is_rejected(
    app: FastAPI,
    client: httpx.AsyncClient,
    owner: Owner,
    receiver: Receiver,
    worker: Worker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hook = await create_webhook(client, owner, receiver.url, list(SUBSCRIBABLE))
    rng = random.Random(20260601)
    sent: dict[str, dict[str, Any]] = {}
    for batch in range(EVENTS // 100):
        async with app.state.db.transaction() as session:
            for i in range(batch * 100, batch * 100 + 100):
                data = random_data(rng, i)
                event = await emit(
                    session,
                    owner_id=owner.user_id,
                    livemode=False,
                    type=EventType(rng.choice(SUBSCRIBABLE)),
                    data=data,
                )
                sent[event.id] = {"type": event.type, "data": data}
    await worker.run_once()
    assert len(receiver.received) == EVENTS

    verifier = Verifier(hook["secret"])
    stranger = Verifier(signing.new_secret())
    verified = 0
    rejected = {"body": 0, "id": 0, "timestamp": 0, "secret": 0, "ts+301": 0, "ts-301": 0}
    sizes = []

    def refused(who: Verifier, body: bytes, headers: dict[str, str]) -> int:
        with pytest.raises(WebhookVerificationError):
            who.verify(body, headers)
        return 1

    # The deliveries were signed on the real clock; judge them all at one fixed instant so
    # "301 s away" means exactly that, however long this loop takes on a busy machine.
    now = int(time.time())
    set_verifier_clock(monkeypatch, lambda: datetime.fromtimestamp(now, UTC))
    for request in receiver.received:
        payload = verifier.verify(request.body, request.headers)
        event = sent[request.headers["webhook-id"]]
        assert payload["id"] == request.headers["webhook-id"]
        assert (payload["type"], payload["data"]) == (event["type"], event["data"])
        verified += 1
        sizes.append(len(request.body))
        h = request.headers
        ts = int(h["webhook-timestamp"])
        assert 0 <= now - ts < 120  # signed with the time of sending
        rejected["body"] += refused(verifier, request.body[:-1] + b" }", h)
        rejected["id"] += refused(
            verifier, request.body, {**h, "webhook-id": h["webhook-id"] + "x"}
        )
        rejected["timestamp"] += refused(
            verifier, request.body, {**h, "webhook-timestamp": str(ts + 1)}
        )
        rejected["secret"] += refused(stranger, request.body, h)
        for shift, name in ((301, "ts+301"), (-301, "ts-301")):
            # Correctly signed, but outside the library's 5-minute tolerance.
            moved = signing.headers([hook["secret"]], h["webhook-id"], now + shift, request.body)
            rejected[name] += refused(verifier, request.body, moved)
        for shift in (300, -300):  # the edges of the tolerance still verify
            edge = signing.headers([hook["secret"]], h["webhook-id"], now + shift, request.body)
            verifier.verify(request.body, edge)

    print(
        f"\nT6: verified {verified}/{EVENTS}; rejected {rejected}; body sizes {min(sizes)}-{max(sizes)} B"
    )
    assert verified == EVENTS
    assert rejected == dict.fromkeys(rejected, EVENTS)
    assert max(sizes) > 15_000 and min(sizes) < 500
    log = (
        await client.get(
            f"/api/v1/webhooks/{hook['id']}/deliveries?status=succeeded&limit=1",
            headers=owner.headers,
        )
    ).json()
    assert log["meta"]["count"] == EVENTS


async def test_rotation_overlap_signs_with_both_secrets_for_24_hours(
    client: httpx.AsyncClient, owner: Owner, receiver: Receiver, worker: Worker, frozen: FrozenClock
) -> None:
    hook = await create_webhook(client, owner, receiver.url)
    old = Verifier(hook["secret"])
    await connect(client, owner, "twitter", "1")
    await worker.run_once()
    assert len(receiver.received[0].headers["webhook-signature"].split(" ")) == 1

    rotated = await client.post(
        f"/api/v1/webhooks/{hook['id']}/rotate-secret", headers=owner.headers
    )
    assert rotated.status_code == 200
    body = rotated.json()
    new = Verifier(body["secret"])
    assert body["secret"] != hook["secret"] and body["secret"].startswith("whsec_")
    rotated_at = frozen.now()
    assert body["previous_secret_expires_at"] == (
        rotated_at + timedelta(hours=24)
    ).isoformat().replace("+00:00", "Z")
    assert (await get_webhook(client, owner, hook["id"]))["previous_secret_expires_at"] == body[
        "previous_secret_expires_at"
    ]

    def verifies(who: Verifier, request: Received) -> bool:
        try:
            who.verify(request.body, request.headers)
        except WebhookVerificationError:
            return False
        return True

    during = [
        timedelta(0),
        timedelta(hours=1),
        timedelta(hours=12),
        timedelta(hours=24, seconds=-1),
    ]
    counts = {"old": 0, "new": 0}
    for offset in during:
        frozen.set(rotated_at + offset)
        await send_test(client, owner, hook["id"])
        await worker.run_once()
        request = receiver.received[-1]
        signatures = request.headers["webhook-signature"].split(" ")
        assert len(signatures) == 2 and all(s.startswith("v1,") for s in signatures)
        counts["old"] += verifies(old, request)
        counts["new"] += verifies(new, request)
    assert counts == {"old": len(during), "new": len(during)}

    after = {"old": 0, "new": 0}
    for offset in (timedelta(hours=24, seconds=1), timedelta(days=3)):
        frozen.set(rotated_at + offset)
        await send_test(client, owner, hook["id"])
        await worker.run_once()
        request = receiver.received[-1]
        assert len(request.headers["webhook-signature"].split(" ")) == 1
        after["old"] += verifies(old, request)
        after["new"] += verifies(new, request)
    print(f"\nT7: during the overlap old/new verified {counts}; after it {after}")
    assert after == {"old": 0, "new": 2}
    assert (await get_webhook(client, owner, hook["id"]))["previous_secret_expires_at"] is None


async def test_a_second_rotation_retires_the_oldest_secret(
    client: httpx.AsyncClient, owner: Owner, receiver: Receiver, worker: Worker, frozen: FrozenClock
) -> None:
    hook = await create_webhook(client, owner, receiver.url)
    path = f"/api/v1/webhooks/{hook['id']}/rotate-secret"
    second = (await client.post(path, headers=owner.headers)).json()["secret"]
    third = (await client.post(path, headers=owner.headers)).json()["secret"]
    await send_test(client, owner, hook["id"])
    await worker.run_once()
    request = receiver.received[0]
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    for secret in (second, third):
        Verifier(secret).verify(request.body, request.headers)
    with pytest.raises(WebhookVerificationError):
        Verifier(hook["secret"]).verify(request.body, request.headers)
