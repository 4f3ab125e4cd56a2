"""``POST /api/v1/onboarding``: brand, profile and a posting schedule in one transaction;
repeating it replaces; bad input changes nothing."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest
from tests.api import error
from tests.conftest import Owner, OwnerFactory

BODY = {
    "brand_name": "Acme Boots",
    "platforms": ["twitter", "linkedin"],
    "timezone": "America/New_York",
    "posting_frequency": "daily",
    "topics": ["hiking", "boots"],
    "what_do_you_do": "We make boots.",
    "who_do_you_help": "Hikers",
    "user_type": "solo_creator",
}


async def onboard(client: httpx.AsyncClient, owner: Owner, body: object) -> httpx.Response:
    return await client.post("/api/v1/onboarding", headers=owner.headers, json=body)


async def state(client: httpx.AsyncClient, owner: Owner) -> dict[str, Any]:
    """Everything onboarding may change, as the owner sees it."""
    got = {}
    for name, path in [("profile", "/api/v1/profile"), ("brand", "/api/v1/brand-kit"),
                       ("slots", "/api/v1/schedule/slots")]:  # fmt: skip
        response = await client.get(path, headers=owner.headers)
        assert response.status_code == 200, response.text
        got[name] = response.json()
    return got


def per_platform_day(slots: list[dict[str, Any]]) -> Counter[tuple[str, int]]:
    return Counter((p, s["day"]) for s in slots for p in s["platforms"])


async def test_onboarding_sets_brand_profile_and_slots(
    client: httpx.AsyncClient, owner: Owner
) -> None:
    response = await onboard(client, owner, BODY)
    assert response.status_code == 200, response.text
    body = response.json()
    assert {k: body[k] for k in ("completed", "brand_name", "platforms", "timezone")} == {
        "completed": True,
        "brand_name": "Acme Boots",
        "platforms": ["twitter", "linkedin"],
        "timezone": "America/New_York",
    }
    seen = await state(client, owner)
    slots = seen["slots"]["slots"]
    assert body["schedule_slots_created"] == len(slots) == len(body["slots"])
    # daily: one slot per platform on each of the seven days
    assert per_platform_day(slots) == {(p, d): 1 for p in ("twitter", "linkedin") for d in range(7)}
    assert seen["slots"]["timezone"] == "America/New_York"
    profile = seen["profile"]
    assert profile["onboarding_completed"] is True
    assert profile["timezone"] == "America/New_York"
    assert profile["user_type"] == "solo_creator"
    brand = seen["brand"]
    assert brand["brand_name"] == "Acme Boots"
    assert brand["topics"] == ["hiking", "boots"]
    assert brand["what_do_you_do"] == "We make boots."
    assert brand["who_do_you_help"] == "Hikers"


@pytest.mark.parametrize(
    ("frequency", "per_day", "days"),
    [
        ("daily", 1, range(7)),
        ("twice_daily", 2, range(7)),
        ("three_times_daily", 3, range(7)),
        ("weekdays", 1, range(1, 6)),
        ("three_per_week", 1, (1, 3, 5)),
        ("weekly", 1, (3,)),
    ],
)
async def test_posting_frequencies(
    client: httpx.AsyncClient, owner: Owner, frequency: str, per_day: int, days: Any
) -> None:
    response = await onboard(
        client,
        owner,
        {"brand_name": "A", "platforms": ["instagram"], "posting_frequency": frequency},
    )
    assert response.status_code == 200, response.text
    slots = (await state(client, owner))["slots"]["slots"]
    assert per_platform_day(slots) == {("instagram", d): per_day for d in days}


async def test_repeating_replaces_never_duplicates(client: httpx.AsyncClient, owner: Owner) -> None:
    assert (await onboard(client, owner, BODY)).status_code == 200
    first = await state(client, owner)
    assert (await onboard(client, owner, BODY)).status_code == 200
    again = await state(client, owner)
    assert len(again["slots"]["slots"]) == len(first["slots"]["slots"])
    assert [
        (s["day"], s["hour"], s["minute"], s["platforms"]) for s in again["slots"]["slots"]
    ] == [(s["day"], s["hour"], s["minute"], s["platforms"]) for s in first["slots"]["slots"]]
    assert again["brand"] == first["brand"]
    response = await onboard(
        client, owner, {**BODY, "platforms": ["bluesky"], "posting_frequency": "weekly"}
    )
    assert response.status_code == 200
    slots = (await state(client, owner))["slots"]["slots"]
    assert per_platform_day(slots) == {("bluesky", 3): 1}


async def test_minimal_body_keeps_what_it_does_not_name(
    client: httpx.AsyncClient, owner: Owner
) -> None:
    await client.put("/api/v1/brand-kit", headers=owner.headers, json={"tone": "calm"})
    response = await onboard(client, owner, {"brand_name": "Solo", "platforms": ["Twitter"]})
    assert response.status_code == 200, response.text
    assert response.json()["platforms"] == ["twitter"]
    assert response.json()["timezone"] == "UTC"
    seen = await state(client, owner)
    assert seen["brand"]["tone"] == "calm"
    assert seen["brand"]["brand_name"] == "Solo"
    assert seen["profile"]["user_type"] is None
    assert per_platform_day(seen["slots"]["slots"]) == {("twitter", d): 1 for d in range(7)}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"brand_name": None}, "brand_name"),
        ({"brand_name": "   "}, "brand_name"),
        ({"platforms": []}, "platforms"),
        ({"platforms": ["myspace"]}, "platforms"),
        ({"platforms": "twitter"}, "platforms"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"posting_frequency": "hourly"}, "posting_frequency"),
        ({"user_type": "robot"}, "user_type"),
        ({"topics": ["x" * 51]}, "topics"),
        ({"language": "en"}, "language"),
    ],
)
async def test_bad_input_is_400_naming_the_field_and_changes_nothing(
    client: httpx.AsyncClient, owner: Owner, change: dict[str, Any], field: str
) -> None:
    before = await state(client, owner)
    response = await onboard(client, owner, {**BODY, **change})
    assert response.status_code == 400, response.text
    body = error(response)
    assert body["code"] == "validation_error"
    assert {d["field"].split("[")[0].split(".")[0] for d in body["details"]} == {field}
    assert await state(client, owner) == before


async def test_missing_required_fields(client: httpx.AsyncClient, owner: Owner) -> None:
    response = await onboard(client, owner, {})
    assert response.status_code == 400
    assert {d["field"] for d in error(response)["details"]} == {"brand_name", "platforms"}


async def test_needs_accounts_write(client: httpx.AsyncClient, make_owner: OwnerFactory) -> None:
    reader = await make_owner(scopes=["accounts:read", "posts:write"])
    response = await onboard(client, reader, BODY)
    assert response.status_code == 403
    assert error(response)["code"] == "missing_scope"


async def test_slots_belong_to_the_keys_mode(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    test_key = await make_owner(email="ada@example.com", livemode=False)
    live_key = await make_owner(email="ada@example.com", livemode=True)
    assert (await onboard(client, test_key, BODY)).status_code == 200
    assert (await state(client, live_key))["slots"]["slots"] == []
    assert (await state(client, live_key))["profile"]["onboarding_completed"] is True
