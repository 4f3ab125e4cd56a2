"""Idempotency-Key on creates: replay, mismatch, concurrency, scope and retention."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from tests.api import connect, error
from tests.conftest import Owner, OwnerFactory

from lowtato.idempotency import service as idempotency_service
from lowtato.kit import clock


@pytest.fixture
async def account(client: httpx.AsyncClient, owner: Owner) -> str:
    return await connect(client, owner, "twitter", "1")


async def _posts(client: httpx.AsyncClient, owner: Owner) -> int:
    return int((await client.get("/api/v1/posts", headers=owner.headers)).json()["meta"]["count"])


async def test_replay_returns_the_original(
    client: httpx.AsyncClient, owner: Owner, account: str
) -> None:
    headers = {**owner.headers, "Idempotency-Key": "k-1"}
    body = {"post": {"accountId": account, "content": {"text": "once"}}}
    first = await client.post("/api/v1/posts", headers=headers, json=body)
    second = await client.post("/api/v1/posts", headers=headers, json=body)
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    assert second.status_code == 200
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert await _posts(client, owner) == 1


async def test_equivalent_shapes_are_the_same_request(
    client: httpx.AsyncClient, owner: Owner, account: str
) -> None:
    headers = {**owner.headers, "Idempotency-Key": '"quoted-key"'}
    nested = {"post": {"accountId": account, "content": {"text": "same"}}}
    flat = {"account_id": account, "content": "same"}
    first = await client.post("/api/v1/posts", headers=headers, json=nested)
    second = await client.post("/api/v1/posts", headers=headers, json=flat)
    assert second.status_code == 200 and second.json() == first.json()


async def test_different_body_is_422_and_changes_nothing(
    client: httpx.AsyncClient, owner: Owner, account: str
) -> None:
    headers = {**owner.headers, "Idempotency-Key": "k-2"}
    await client.post(
        "/api/v1/posts", headers=headers, json={"account_id": account, "content": "a"}
    )
    response = await client.post(
        "/api/v1/posts", headers=headers, json={"account_id": account, "content": "b"}
    )
    assert response.status_code == 422
    assert error(response)["code"] == "idempotency_key_reused"
    assert await _posts(client, owner) == 1


async def test_failed_validation_is_not_stored(
    client: httpx.AsyncClient, owner: Owner, account: str
) -> None:
    headers = {**owner.headers, "Idempotency-Key": "k-3"}
    bad = await client.post(
        "/api/v1/posts", headers=headers, json={"account_id": account, "content": "x" * 300}
    )
    assert bad.status_code == 400
    fixed = await client.post(
        "/api/v1/posts", headers=headers, json={"account_id": account, "content": "x"}
    )
    assert fixed.status_code == 201


async def test_twenty_parallel_requests_create_one_post(
    client: httpx.AsyncClient, owner: Owner, account: str
) -> None:
    headers = {**owner.headers, "Idempotency-Key": "parallel-1"}
    body = {"account_id": account, "content": "race"}
    responses = await asyncio.gather(
        *(client.post("/api/v1/posts", headers=headers, json=body) for _ in range(20))
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) == 1
    assert set(statuses) <= {200, 201, 409}
    ids = {r.json()["id"] for r in responses if r.status_code in (200, 201)}
    assert len(ids) == 1
    assert await _posts(client, owner) == 1


async def test_keys_are_scoped_per_owner(
    client: httpx.AsyncClient, owner: Owner, account: str, make_owner: OwnerFactory
) -> None:
    other = await make_owner()
    other_account = await connect(client, other, "twitter", "1")
    a = await client.post("/api/v1/posts", headers={**owner.headers, "Idempotency-Key": "shared"},
                          json={"account_id": account, "content": "a"})  # fmt: skip
    b = await client.post("/api/v1/posts", headers={**other.headers, "Idempotency-Key": "shared"},
                          json={"account_id": other_account, "content": "a"})  # fmt: skip
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]


async def test_retention_is_24_hours(client: httpx.AsyncClient, owner: Owner, account: str) -> None:
    headers = {**owner.headers, "Idempotency-Key": "k-ttl"}
    body = {"account_id": account, "content": "ttl"}
    frozen = clock.FrozenClock(clock.now())
    with clock.use_clock(frozen):
        first = await client.post("/api/v1/posts", headers=headers, json=body)
        frozen.advance(timedelta(hours=23, minutes=59))
        replay = await client.post("/api/v1/posts", headers=headers, json=body)
        frozen.advance(timedelta(minutes=2))
        fresh = await client.post("/api/v1/posts", headers=headers, json=body)
    assert replay.status_code == 200 and replay.json()["id"] == first.json()["id"]
    assert fresh.status_code == 201 and fresh.json()["id"] != first.json()["id"]


async def test_bad_key_header(client: httpx.AsyncClient, owner: Owner, account: str) -> None:
    response = await client.post("/api/v1/posts", headers={**owner.headers, "Idempotency-Key": "x" * 256},
                                 json={"account_id": account, "content": "a"})  # fmt: skip
    assert response.status_code == 400
    assert error(response)["details"][0]["field"] == "Idempotency-Key"


class Hold:
    """Holds the first request that claims a key until ``release()`` (later ones pass)."""

    def __init__(self) -> None:
        self.reached = asyncio.Event()
        self.released = asyncio.Event()

    async def __call__(self) -> None:
        if not self.reached.is_set():
            self.reached.set()
            await self.released.wait()

    def release(self) -> None:
        self.released.set()


@pytest.fixture
def hold(monkeypatch: pytest.MonkeyPatch) -> Iterator[Hold]:
    held = Hold()
    monkeypatch.setattr(idempotency_service, "after_claim", held)
    yield held
    held.release()


async def test_duplicate_of_a_running_request_is_409_at_once_then_replays(
    client: httpx.AsyncClient, owner: Owner, account: str, hold: Hold
) -> None:
    headers = {**owner.headers, "Idempotency-Key": "in-flight"}
    body = {"account_id": account, "content": "slow one"}
    first = asyncio.create_task(client.post("/api/v1/posts", headers=headers, json=body))
    await hold.reached.wait()
    duplicate = await client.post("/api/v1/posts", headers=headers, json=body)
    assert duplicate.status_code == 409, duplicate.text
    assert error(duplicate)["code"] == "idempotency_key_in_use"
    assert int(duplicate.headers["Retry-After"]) >= 1
    other = await client.post(
        "/api/v1/posts", headers=headers, json={"account_id": account, "content": "another"}
    )
    assert other.status_code == 422 and error(other)["code"] == "idempotency_key_reused"
    assert not first.done()
    hold.release()
    created = await first
    assert created.status_code == 201, created.text
    replay = await client.post("/api/v1/posts", headers=headers, json=body)
    assert replay.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == created.json()
    assert await _posts(client, owner) == 1


async def test_twenty_duplicates_of_a_running_request_are_409_and_none_creates(
    client: httpx.AsyncClient, owner: Owner, account: str, hold: Hold
) -> None:
    headers = {**owner.headers, "Idempotency-Key": "in-flight-20"}
    body = {"account_id": account, "content": "race while running"}
    first = asyncio.create_task(client.post("/api/v1/posts", headers=headers, json=body))
    await hold.reached.wait()
    during = await asyncio.gather(
        *(client.post("/api/v1/posts", headers=headers, json=body) for _ in range(20))
    )
    assert [r.status_code for r in during] == [409] * 20
    hold.release()
    assert (await first).status_code == 201
    after = await asyncio.gather(
        *(client.post("/api/v1/posts", headers=headers, json=body) for _ in range(20))
    )
    assert {r.status_code for r in after} == {200}
    assert {r.json()["id"] for r in after} == {(await first).json()["id"]}
    assert await _posts(client, owner) == 1


async def test_an_abandoned_claim_expires_and_the_retry_runs(
    client: httpx.AsyncClient, owner: Owner, account: str, hold: Hold
) -> None:
    headers = {**owner.headers, "Idempotency-Key": "abandoned"}
    body = {"account_id": account, "content": "stuck"}
    frozen = clock.FrozenClock(clock.now())
    with clock.use_clock(frozen):
        stuck = asyncio.create_task(client.post("/api/v1/posts", headers=headers, json=body))
        await hold.reached.wait()
        frozen.advance(timedelta(seconds=59))
        assert (await client.post("/api/v1/posts", headers=headers, json=body)).status_code == 409
        frozen.advance(timedelta(seconds=2))  # the claim (60 s) has expired: as if it crashed
        retry = await client.post("/api/v1/posts", headers=headers, json=body)
        assert retry.status_code == 201, retry.text
        hold.release()
        late = await stuck
    # the stuck request lost its claim: it creates nothing and says the key is in use
    assert late.status_code == 409 and error(late)["code"] == "idempotency_key_in_use"
    assert await _posts(client, owner) == 1


async def test_a_crashed_request_releases_its_claim(
    client: httpx.AsyncClient, owner: Owner, account: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def crash() -> None:
        raise RuntimeError("worker fell over")

    headers = {**owner.headers, "Idempotency-Key": "crash"}
    body = {"account_id": account, "content": "again"}
    monkeypatch.setattr(idempotency_service, "after_claim", crash)
    failed = await client.post("/api/v1/posts", headers=headers, json=body)
    assert failed.status_code == 500 and error(failed)["code"] == "internal_error"
    monkeypatch.setattr(idempotency_service, "after_claim", None)
    retry = await client.post("/api/v1/posts", headers=headers, json=body)
    assert retry.status_code == 201, retry.text
    assert await _posts(client, owner) == 1
