"""``GET/PATCH /api/v1/profile``."""

from __future__ import annotations

import httpx
from tests.conftest import Owner


async def test_get_profile_fields(client: httpx.AsyncClient, owner: Owner) -> None:
    response = await client.get("/api/v1/profile", headers=owner.headers)
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "id": owner.user_id,
        "email": owner.email,
        "display_name": "",
        "plan": "starter",
        "credits_balance": 200.0,
        "credits_monthly_allocation": 200.0,
        "timezone": "UTC",
        "language": "en",
        "notification_preferences": {},
        "onboarding_completed": False,
        "user_type": None,
        "account_count": 0,
        "created_at": body["created_at"],
    }
    assert body["created_at"].endswith("Z")


async def test_patch_allowed_fields(client: httpx.AsyncClient, owner: Owner) -> None:
    response = await client.patch(
        "/api/v1/profile",
        headers=owner.headers,
        json={
            "display_name": "Ada",
            "timezone": "Europe/Berlin",
            "notification_preferences": {"email_post_failed": True},
        },
    )
    assert response.status_code == 200
    assert response.json() == {"updated": True}
    await client.patch(
        "/api/v1/profile",
        headers=owner.headers,
        json={"notification_preferences": {"email_weekly_report": False}},
    )
    profile = (await client.get("/api/v1/profile", headers=owner.headers)).json()
    assert profile["display_name"] == "Ada"
    assert profile["timezone"] == "Europe/Berlin"
    assert profile["notification_preferences"] == {
        "email_post_failed": True,
        "email_weekly_report": False,
    }


async def test_patch_protected_fields_refused_and_nothing_changes(
    client: httpx.AsyncClient, owner: Owner
) -> None:
    before = (await client.get("/api/v1/profile", headers=owner.headers)).json()
    for field, value in [
        ("plan", "agency"),
        ("credits_balance", 99999),
        ("email", "evil@example.com"),
        ("id", "usr_x"),
        ("onboarding_completed", True),
        ("account_count", 5),
        ("created_at", "2020-01-01T00:00:00Z"),
    ]:
        response = await client.patch(
            "/api/v1/profile", headers=owner.headers, json={"display_name": "Mallory", field: value}
        )
        assert response.status_code == 400, field
        error = response.json()["error"]
        assert error["code"] == "validation_error"
        assert error["details"] == [{"field": field, "message": "unknown field; remove it"}]
    after = (await client.get("/api/v1/profile", headers=owner.headers)).json()
    assert after == before


async def test_patch_bad_values(client: httpx.AsyncClient, owner: Owner) -> None:
    response = await client.patch(
        "/api/v1/profile",
        headers=owner.headers,
        json={"timezone": "Mars/Olympus", "notification_preferences": {"email_spam": True}},
    )
    assert response.status_code == 400
    fields = {d["field"] for d in response.json()["error"]["details"]}
    assert fields == {"timezone", "notification_preferences.email_spam"}
    assert "IANA" in response.json()["error"]["message"]
