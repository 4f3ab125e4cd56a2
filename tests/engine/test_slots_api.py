"""Slots, auto-configure and useNextFreeSlot through the API, across weeks and DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from tests.api import connect, create_post, error
from tests.conftest import Owner
from tests.engine.conftest import event_types

from lowtato.jobs.worker import Worker
from lowtato.kit.clock import FrozenClock


async def _setup(
    client: httpx.AsyncClient, owner: Owner, tz: str, slots: list[dict[str, object]]
) -> str:
    account = await connect(client, owner, "twitter", "1")
    await client.patch("/api/v1/profile", headers=owner.headers, json={"timezone": tz})
    response = await client.post(
        "/api/v1/schedule/slots", headers=owner.headers, json={"slots": slots}
    )
    assert response.status_code == 201, response.text
    return account


async def _next(client: httpx.AsyncClient, owner: Owner, account: str, n: int) -> list[str]:
    times = []
    for _ in range(n):
        response = await create_post(client, owner, account, "slot", useNextFreeSlot=True)
        assert response.status_code == 201, response.text
        times.append(response.json()["scheduled_time"])
    return times


async def test_no_slots_is_a_clear_400(client: httpx.AsyncClient, tester: Owner) -> None:
    account = await connect(client, tester, "twitter", "1")
    response = await create_post(client, tester, account, useNextFreeSlot=True)
    assert response.status_code == 400
    assert "no schedule slots" in error(response)["message"]


async def test_week_boundary(client: httpx.AsyncClient, tester: Owner, frozen: FrozenClock) -> None:
    frozen.set(datetime(2026, 6, 6, 23, 30, tzinfo=UTC))  # Saturday 23:30 UTC
    account = await _setup(
        client, tester, "UTC", [{"day": 0, "hour": 9}, {"day": 6, "hour": 23, "minute": 45}]
    )
    assert await _next(client, tester, account, 3) == [
        "2026-06-06T23:45:00Z", "2026-06-07T09:00:00Z", "2026-06-13T23:45:00Z",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("tz", "start", "expected"),
    [
        # New York spring forward 2026-03-08: 02:30 does not exist → 03:30 EDT (07:30Z)
        ("America/New_York", datetime(2026, 3, 7, 12, tzinfo=UTC),
         ["2026-03-08T06:30:00Z", "2026-03-08T07:30:00Z", "2026-03-08T13:00:00Z", "2026-03-15T05:30:00Z"]),
        # New York fall back 2026-11-01: 01:30 happens twice → the first (05:30Z), once
        ("America/New_York", datetime(2026, 10, 31, 12, tzinfo=UTC),
         ["2026-11-01T05:30:00Z", "2026-11-01T07:30:00Z", "2026-11-01T14:00:00Z", "2026-11-08T06:30:00Z"]),
        # Berlin spring forward 2026-03-29 and fall back 2026-10-25
        ("Europe/Berlin", datetime(2026, 3, 28, 12, tzinfo=UTC),
         ["2026-03-29T00:30:00Z", "2026-03-29T01:30:00Z", "2026-03-29T07:00:00Z", "2026-04-04T23:30:00Z"]),
        ("Europe/Berlin", datetime(2026, 10, 24, 12, tzinfo=UTC),
         ["2026-10-24T23:30:00Z", "2026-10-25T00:30:00Z", "2026-10-25T08:00:00Z", "2026-11-01T00:30:00Z"]),
    ],
)  # fmt: skip
async def test_dst_sundays(
    client: httpx.AsyncClient,
    tester: Owner,
    frozen: FrozenClock,
    tz: str,
    start: datetime,
    expected: list[str],
) -> None:
    frozen.set(start)
    slots = [
        {"day": 0, "hour": 1, "minute": 30},
        {"day": 0, "hour": 2, "minute": 30},
        {"day": 0, "hour": 9},
    ]
    account = await _setup(client, tester, tz, slots)  # type: ignore[arg-type]
    times = await _next(client, tester, account, 4)
    assert times == expected
    assert len(set(times)) == 4  # no occurrence doubled


async def test_slot_targets(client: httpx.AsyncClient, tester: Owner, frozen: FrozenClock) -> None:
    frozen.set(datetime(2026, 6, 1, 0, 0, tzinfo=UTC))  # a Monday
    x = await connect(client, tester, "twitter", "x")
    li = await connect(client, tester, "linkedin", "li")
    await client.post("/api/v1/schedule/slots", headers=tester.headers, json={"slots": [
        {"day": 1, "hour": 8, "selectedTargets": [li]}, {"day": 1, "hour": 10}]})  # fmt: skip
    assert (await create_post(client, tester, x, useNextFreeSlot=True)).json()[
        "scheduled_time"
    ] == "2026-06-01T10:00:00Z"
    assert (await create_post(client, tester, li, useNextFreeSlot=True)).json()[
        "scheduled_time"
    ] == "2026-06-01T08:00:00Z"
    bad = await client.post("/api/v1/schedule/slots", headers=tester.headers,
                            json={"slots": [{"day": 7, "hour": 25, "selectedTargets": ["acc_nope"]}]})  # fmt: skip
    assert bad.status_code == 400
    assert {d["field"] for d in error(bad)["details"]} == {"slots[0].day", "slots[0].hour"}


async def test_slot_post_emits_schedule_published(
    app: FastAPI, client: httpx.AsyncClient, tester: Owner, worker: Worker, frozen: FrozenClock
) -> None:
    frozen.set(datetime(2026, 6, 1, 7, 0, tzinfo=UTC))
    account = await _setup(client, tester, "UTC", [{"day": 1, "hour": 8}])
    await create_post(client, tester, account, useNextFreeSlot=True)
    frozen.advance(timedelta(hours=1))
    await worker.run_once()
    types = await event_types(app, tester)
    assert types[-2:] == ["post.published", "schedule.published"]


async def test_list_and_delete_slots(client: httpx.AsyncClient, tester: Owner) -> None:
    await _setup(client, tester, "Asia/Tokyo", [{"day": 3, "hour": 12, "minute": 15}])
    listed = (await client.get("/api/v1/schedule/slots", headers=tester.headers)).json()
    assert listed["timezone"] == "Asia/Tokyo"
    [slot] = listed["slots"]
    assert (slot["day"], slot["hour"], slot["minute"], slot["selected_targets"]) == (3, 12, 15, [])
    assert (
        await client.delete(f"/api/v1/schedule/slots/{slot['id']}", headers=tester.headers)
    ).json() == {"deleted": True}
    assert (await client.get("/api/v1/schedule/slots", headers=tester.headers)).json()[
        "slots"
    ] == []


@pytest.mark.parametrize("per_day", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("weekends", [False, True])
async def test_auto_configure(
    client: httpx.AsyncClient, tester: Owner, per_day: int, weekends: bool
) -> None:
    await client.post(
        "/api/v1/schedule/slots", headers=tester.headers, json={"slots": [{"day": 2, "hour": 3}]}
    )
    response = await client.post("/api/v1/schedule/auto-configure", headers=tester.headers, json={
        "platforms": ["twitter"], "posts_per_day": per_day, "timezone": "America/New_York",
        "include_weekends": weekends})  # fmt: skip
    assert response.status_code == 200, response.text
    body = response.json()
    days = 7 if weekends else 5
    assert body["configured"] is True and body["slots_created"] == per_day * days
    assert body["timezone"] == "America/New_York"
    assert body["sources"]["twitter"]
    slots = (await client.get("/api/v1/schedule/slots", headers=tester.headers)).json()["slots"]
    assert len(slots) == per_day * days  # the old slot was replaced
    assert {s["day"] for s in slots} == (set(range(7)) if weekends else {1, 2, 3, 4, 5})
    for day in {s["day"] for s in slots}:
        minutes = sorted(s["hour"] * 60 + s["minute"] for s in slots if s["day"] == day)
        assert len(minutes) == per_day
    assert all(s["platforms"] == ["twitter"] for s in slots)
    profile = (await client.get("/api/v1/profile", headers=tester.headers)).json()
    assert profile["timezone"] == "America/New_York"


async def test_auto_configure_bad_input(client: httpx.AsyncClient, tester: Owner) -> None:
    for body, field in [
        ({"platforms": ["myspace"], "posts_per_day": 1}, "platforms[0]"),
        ({"platforms": ["twitter"], "posts_per_day": 11}, "posts_per_day"),
        ({"platforms": ["twitter"], "timezone": "Nowhere/City"}, "timezone"),
        ({"platforms": []}, "platforms"),
    ]:
        response = await client.post(
            "/api/v1/schedule/auto-configure", headers=tester.headers, json=body
        )
        assert response.status_code == 400, body
        assert error(response)["details"][0]["field"] == field
