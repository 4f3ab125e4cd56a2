"""``GET/PUT /api/v1/brand-kit``: partial updates, validation naming the field, scopes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from tests.api import error
from tests.conftest import Owner, OwnerFactory

EMPTY = {
    "brand_name": None,
    "brand_color": None,
    "tone": None,
    "topics": [],
    "logo_url": None,
    "website": None,
    "what_do_you_do": None,
    "who_do_you_help": None,
    "language": None,
}


async def kit(client: httpx.AsyncClient, owner: Owner) -> dict[str, Any]:
    response = await client.get("/api/v1/brand-kit", headers=owner.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def put(client: httpx.AsyncClient, owner: Owner, body: object) -> httpx.Response:
    return await client.put("/api/v1/brand-kit", headers=owner.headers, json=body)


async def test_a_new_owner_has_an_empty_kit(client: httpx.AsyncClient, owner: Owner) -> None:
    assert await kit(client, owner) == EMPTY


async def test_put_is_partial_and_null_clears(client: httpx.AsyncClient, owner: Owner) -> None:
    response = await put(client, owner, {
        "brand_name": "  Acme Boots ", "brand_color": "#8fe000", "tone": "professional",
        "topics": ["e-commerce", "Boots", "boots", "  "], "logo_url": "https://acme.test/logo.png",
        "website": "http://acme.test", "what_do_you_do": "We make boots.\nSturdy ones.",
        "who_do_you_help": "Hikers", "language": "pt_br",
    })  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json() == {"updated": True}
    assert await kit(client, owner) == {
        "brand_name": "Acme Boots",
        "brand_color": "#8FE000",
        "tone": "professional",
        "topics": ["e-commerce", "Boots"],
        "logo_url": "https://acme.test/logo.png",
        "website": "http://acme.test",
        "what_do_you_do": "We make boots.\nSturdy ones.",
        "who_do_you_help": "Hikers",
        "language": "pt-BR",
    }
    assert (
        await put(client, owner, {"tone": "playful", "website": None, "topics": None})
    ).status_code == 200
    after = await kit(client, owner)
    assert after["tone"] == "playful"
    assert after["website"] is None
    assert after["topics"] == []
    assert after["brand_name"] == "Acme Boots"  # untouched
    assert (await put(client, owner, {})).status_code == 200
    assert await kit(client, owner) == after


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("brand_color", "red"),
        ("brand_color", "#12345"),
        ("brand_color", "#GGGGGG"),
        ("brand_color", "8FE000"),
        ("brand_color", 0x8FE000),
        ("website", "ftp://acme.test"),
        ("website", "javascript:alert(1)"),
        ("website", "https://user:pw@acme.test"),
        ("website", "acme.test"),
        ("logo_url", "https://acme.test/a logo.png"),
        ("logo_url", "https://" + "a" * 2050),
        ("language", "xx"),
        ("language", "english"),
        ("language", "en-USA"),
        ("language", 7),
        ("topics", "e-commerce"),
        ("topics", [f"topic {i}" for i in range(21)]),
        ("topics", ["x" * 51]),
        ("topics", [3]),
        ("brand_name", "B" * 101),
        ("brand_name", "Acme\nBoots"),
        ("tone", "t" * 61),
        ("what_do_you_do", "w" * 1001),
        ("who_do_you_help", ["hikers"]),
        ("slogan", "Just boot it"),
    ],
)
async def test_bad_values_are_400_naming_the_field_and_change_nothing(
    client: httpx.AsyncClient, owner: Owner, field: str, value: object
) -> None:
    assert (await put(client, owner, {"brand_name": "Acme", "tone": "calm"})).status_code == 200
    before = await kit(client, owner)
    response = await put(client, owner, {"tone": "loud", field: value})
    assert response.status_code == 400, response.text
    body = error(response)
    assert body["code"] == "validation_error"
    assert [d["field"].split("[")[0].split(".")[0] for d in body["details"]] == [field]
    assert await kit(client, owner) == before


async def test_not_json_is_invalid_json(client: httpx.AsyncClient, owner: Owner) -> None:
    response = await client.put(
        "/api/v1/brand-kit",
        headers={**owner.headers, "content-type": "application/json"},
        content=b"{brand",
    )
    assert response.status_code == 400
    assert error(response)["code"] == "invalid_json"


async def test_scopes(client: httpx.AsyncClient, make_owner: OwnerFactory) -> None:
    reader = await make_owner(scopes=["accounts:read"])
    assert (await client.get("/api/v1/brand-kit", headers=reader.headers)).status_code == 200
    response = await put(client, reader, {"tone": "calm"})
    assert response.status_code == 403
    assert error(response)["code"] == "missing_scope"
    poster = await make_owner(scopes=["posts:write"])
    response = await client.get("/api/v1/brand-kit", headers=poster.headers)
    assert response.status_code == 403
    assert error(response)["code"] == "missing_scope"


async def test_one_kit_per_owner_across_modes_and_private_to_them(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    test_key = await make_owner(email="ada@example.com", livemode=False)
    live_key = await make_owner(email="ada@example.com", livemode=True)
    stranger = await make_owner()
    assert (await put(client, test_key, {"brand_name": "Ada Labs"})).status_code == 200
    assert (await kit(client, live_key))["brand_name"] == "Ada Labs"
    assert await kit(client, stranger) == EMPTY


async def test_unauthenticated_is_401(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/brand-kit")).status_code == 401
    assert (await client.put("/api/v1/brand-kit", json={"tone": "x"})).status_code == 401
