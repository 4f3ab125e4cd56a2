"""Small helpers that drive the public API the way an agent does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

import httpx
from tests.conftest import Owner

from lowtato.platforms import live


def later(**delta: float) -> str:
    when = datetime.now(UTC) + timedelta(**(delta or {"hours": 1}))
    return when.isoformat().replace("+00:00", "Z")


async def connect(
    client: httpx.AsyncClient,
    owner: Owner,
    platform: str = "twitter",
    user: str = "1001",
    **extra: Any,
) -> str:
    response = await client.post(
        "/api/v1/accounts/connect",
        headers=owner.headers,
        json={
            "platform": platform,
            "access_token": f"tok-{platform}-{user}",
            "refresh_token": f"refresh-{platform}-{user}",
            "platform_user_id": user,
            "platform_username": f"{platform}_{user}",
            **extra,
        },
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def create_post(
    client: httpx.AsyncClient, owner: Owner, account_id: str, text: str = "hello", **extra: Any
) -> httpx.Response:
    body: dict[str, Any] = {"post": {"accountId": account_id, "content": {"text": text}}}
    body.update(extra)
    return await client.post("/api/v1/posts", headers=owner.headers, json=body)


def error(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) <= {"error", "retryAfter"}, body
    return dict(body["error"])


def without_live_adapter(monkeypatch: Any, app: Any, platform: str) -> None:
    """Play a build that has no live adapter for ``platform`` (every platform has one now):
    the composition's table and the registry's copy both lose it for this test."""
    reduced = MappingProxyType({p: a for p, a in live.LIVE_ADAPTERS.items() if p != platform})
    monkeypatch.setattr(live, "LIVE_ADAPTERS", reduced)
    monkeypatch.setattr(app.state.services.adapters, "live", reduced)
