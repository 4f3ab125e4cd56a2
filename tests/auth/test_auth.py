"""Authentication, plan and scope checks through the public API."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, text
from tests.conftest import Owner, OwnerFactory

from lowtato.auth import keys
from lowtato.auth.models import ApiKey
from lowtato.auth.scopes import ALL_SCOPES

UNAUTHORIZED = {
    "error": {
        "code": "unauthorized",
        "message": "Missing or invalid API key. Send it as 'x-api-key: lt_live_…' or "
        "'Authorization: Bearer lt_live_…'; create one with 'lowtato keys create'.",
    }
}


async def test_valid_key_in_either_header(client: httpx.AsyncClient, owner: Owner) -> None:
    by_header = await client.get("/api/v1/profile", headers={"x-api-key": owner.key})
    by_bearer = await client.get(
        "/api/v1/profile", headers={"Authorization": f"Bearer {owner.key}"}
    )
    assert by_header.status_code == by_bearer.status_code == 200
    assert by_header.json()["email"] == owner.email


async def test_every_auth_failure_has_the_same_body(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner
) -> None:
    unknown = keys.generate(livemode=True).raw  # well-formed, valid checksum, never issued
    malformed = "lt_live_not-a-key"
    bad_checksum = owner.key[:-1] + ("A" if owner.key[-1] != "A" else "B")
    wrong_secret_body = owner.key[:18] + ("x" * 32)
    wrong_secret = wrong_secret_body + keys._checksum(wrong_secret_body)
    cases = {
        "missing": {},
        "malformed": {"x-api-key": malformed},
        "bad checksum": {"x-api-key": bad_checksum},
        "unknown": {"x-api-key": unknown},
        "wrong secret": {"x-api-key": wrong_secret},
        "bearer without key": {"Authorization": "Bearer "},
        "basic scheme": {"Authorization": f"Basic {owner.key}"},
    }
    for name, headers in cases.items():
        response = await client.get("/api/v1/profile", headers=headers)
        assert response.status_code == 401, name
        assert response.json() == UNAUTHORIZED, name
        assert "X-RateLimit-Limit" not in response.headers, name

    # revoked: same body, within the auth cache time
    async with app.state.db.transaction() as session:
        await session.execute(
            text("UPDATE api_keys SET revoked_at = CURRENT_TIMESTAMP WHERE id = :id"),
            {"id": owner.key_id},
        )
    await asyncio.sleep(app.state.settings.auth_cache_seconds + 0.1)
    response = await client.get("/api/v1/profile", headers=owner.headers)
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


async def test_key_in_query_string_is_ignored(client: httpx.AsyncClient, owner: Owner) -> None:
    response = await client.get("/api/v1/profile", params={"api_key": owner.key})
    assert response.status_code == 401


async def test_checksum_rejects_mutations_without_a_database_read(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lowtato.auth.repository import ApiKeyRepository  # noqa: PLC0415

    reads = 0
    original = ApiKeyRepository.get_active_by_lookup

    async def counting(self: ApiKeyRepository, lookup: str) -> object:
        nonlocal reads
        reads += 1
        return await original(self, lookup)

    monkeypatch.setattr(ApiKeyRepository, "get_active_by_lookup", counting)
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    mutated = 0
    for i in range(8, len(owner.key)):
        for ch in alphabet[:3]:
            if owner.key[i] == ch or owner.key[i] == "_":
                continue
            candidate = owner.key[:i] + ch + owner.key[i + 1 :]
            response = await client.get("/api/v1/profile", headers={"x-api-key": candidate})
            assert response.status_code == 401
            mutated += 1
    assert mutated > 100
    assert reads == 0


async def test_free_plan_gets_402_on_api_routes(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    free = await make_owner(plan="free")
    for method, path in [("GET", "/api/v1/profile"), ("PATCH", "/api/v1/profile")]:
        response = await client.request(method, path, headers=free.headers, json={})
        assert response.status_code == 402
        assert response.json()["error"]["code"] == "api_access_not_in_plan"


async def test_scopes(client: httpx.AsyncClient, make_owner: OwnerFactory) -> None:
    reader = await make_owner(scopes=["accounts:read"])
    assert (await client.get("/api/v1/profile", headers=reader.headers)).status_code == 200
    response = await client.patch(
        "/api/v1/profile", headers=reader.headers, json={"display_name": "x"}
    )
    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "missing_scope",
        "message": "This API key lacks the 'accounts:write' scope. Create a key with that scope "
        "or one with no scopes (full access).",
        "details": {"required_scope": "accounts:write"},
    }
    others = await make_owner(scopes=[s for s in ALL_SCOPES if not s.startswith("accounts")])
    assert (await client.get("/api/v1/profile", headers=others.headers)).status_code == 403
    full = await make_owner(scopes=[])
    assert (await client.patch("/api/v1/profile", headers=full.headers, json={})).status_code == 200


async def test_secret_is_stored_only_as_a_keyed_hash(app: FastAPI, owner: Owner) -> None:
    async with app.state.db.transaction() as session:
        row = (await session.execute(select(ApiKey).where(ApiKey.id == owner.key_id))).scalar_one()
        dump = " ".join(str(v) for v in row.__dict__.values())
    secret = owner.key.split("_")[3]
    assert secret not in dump and owner.key not in dump
    assert row.display.startswith(owner.key[:17]) and row.display.endswith(owner.key[-4:])


async def test_last_used_is_recorded_once_a_minute(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner
) -> None:
    async def last_used() -> object:
        async with app.state.db.transaction() as session:
            return await session.scalar(
                select(ApiKey.last_used_at).where(ApiKey.id == owner.key_id)
            )

    assert await last_used() is None
    await client.get("/api/v1/profile", headers=owner.headers)
    first = await last_used()
    assert first is not None
    for _ in range(5):
        await client.get("/api/v1/profile", headers=owner.headers)
    assert await last_used() == first
