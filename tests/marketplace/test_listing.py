"""``GET /api/v1/marketplace``: the operator's opt-in, filter, masking, prices, the test-mode
sandbox inventory, scopes."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from tests.api import error
from tests.conftest import AppFactory, OwnerFactory, client_for
from tests.marketplace.conftest import line, stock

from lowtato.marketplace.service import mask, price_display
from lowtato.platforms.names import PLATFORMS


async def test_disabled_by_default_every_route_is_404(
    app_factory: AppFactory, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(livemode=True)
    off = await app_factory(marketplace_enabled=False)  # the default
    async with client_for(off) as client:
        for method, path in (("GET", "/api/v1/marketplace"),
                             ("POST", "/api/v1/marketplace/purchase"),
                             ("GET", "/api/v1/marketplace/purchases")):  # fmt: skip
            response = await client.request(method, path, headers=owner.headers,
                                            json={"account_id": "mkt_x"})  # fmt: skip
            assert response.status_code == 404, response.text
            body = error(response)
            assert body["code"] == "not_found"
            assert "not enabled" in body["message"]
            assert "LOWTATO_MARKETPLACE_ENABLED=true" in body["message"]


async def test_live_listing_sorted_masked_priced_and_filtered(
    app: FastAPI, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner(livemode=True)
    await stock(app, line("twitter", "jane_doe", 900), line("bluesky", "ab", 250),
                line("twitter", "cheap_one", 500), line("instagram", "x", 123_456))  # fmt: skip
    response = await client.get("/api/v1/marketplace", headers=owner.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["count"] == 4
    listed = [(a["platform"], a["username_masked"], a["price_cents"], a["price_display"])
              for a in body["accounts"]]  # fmt: skip
    assert listed == [
        ("bluesky", "**", 250, "$2.50"),
        ("instagram", "*", 123_456, "$1,234.56"),
        ("twitter", "c*******e", 500, "$5.00"),
        ("twitter", "j******e", 900, "$9.00"),
    ]
    assert all(a["id"].startswith("mkt_") for a in body["accounts"])
    assert "jane_doe" not in response.text and "pw-" not in response.text

    only = await client.get("/api/v1/marketplace?platform=Twitter", headers=owner.headers)
    assert [a["price_cents"] for a in only.json()["accounts"]] == [500, 900]

    bad = await client.get("/api/v1/marketplace?platform=myspace", headers=owner.headers)
    assert bad.status_code == 400
    assert error(bad)["code"] == "validation_error" and "myspace" in error(bad)["message"]


def test_mask_and_price_display() -> None:
    assert mask("johndoe") == "j*****e"
    assert (mask("ab"), mask("a"), mask("abc")) == ("**", "*", "a*c")
    assert (price_display(5), price_display(500), price_display(100_000)) == (
        "$0.05", "$5.00", "$1,000.00")  # fmt: skip


async def test_a_test_key_sees_only_its_sandbox_inventory(
    app: FastAPI, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    await stock(app, line("twitter", "real_account", 900))
    tester = await make_owner()
    other = await make_owner()
    first = (await client.get("/api/v1/marketplace", headers=tester.headers)).json()
    assert first["count"] == 2 * len(PLATFORMS)
    assert {a["platform"] for a in first["accounts"]} == set(PLATFORMS)
    assert all(a["username_masked"].startswith("s") for a in first["accounts"])
    assert all(300 <= a["price_cents"] <= 1000 for a in first["accounts"])
    again = (await client.get("/api/v1/marketplace", headers=tester.headers)).json()
    assert again == first  # stocked once, not on every visit
    theirs = (await client.get("/api/v1/marketplace", headers=other.headers)).json()
    assert not {a["id"] for a in theirs["accounts"]} & {a["id"] for a in first["accounts"]}


async def test_scopes(client: httpx.AsyncClient, make_owner: OwnerFactory) -> None:
    posts_only = await make_owner(scopes=["posts:read"])
    reader = await make_owner(scopes=["accounts:read"])
    listed = await client.get("/api/v1/marketplace", headers=posts_only.headers)
    assert listed.status_code == 403 and error(listed)["code"] == "missing_scope"
    bought = await client.post("/api/v1/marketplace/purchase", headers=reader.headers,
                               json={"account_id": "mkt_x"})  # fmt: skip
    assert bought.status_code == 403 and error(bought)["code"] == "missing_scope"
    mine = await client.get("/api/v1/marketplace/purchases", headers=posts_only.headers)
    assert mine.status_code == 403 and error(mine)["code"] == "missing_scope"
    assert (await client.get("/api/v1/marketplace", headers=reader.headers)).status_code == 200
