"""The discovery documents are generated from the running app, so they list what it serves:
every route is in /llms.txt, every link in the agent card and the sitemap answers, and
/pricing.json is the table the server charges from."""

from __future__ import annotations

from urllib.parse import urlsplit
from xml.etree import ElementTree

import httpx
from fastapi import FastAPI

from lowtato.kit.openapi import api_routes
from lowtato.plans import COSTS, PLANS, Cost, PlanName


async def test_llms_txt_lists_every_route(app: FastAPI, client: httpx.AsyncClient) -> None:
    response = await client.get("/llms.txt")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    base = app.state.settings.public_url.rstrip("/")
    assert text.startswith("# Lowtato API\n") and f"Base URL: {base}" in text
    assert f"({base}/docs)" in text and f"({base}/redoc)" in text
    routes = [
        (method, path)
        for path, route in api_routes(app)
        if route.include_in_schema
        for method in route.methods or ()
        if method != "HEAD"
    ]
    assert len(routes) > 30
    missing = [f"{m} {p}" for m, p in routes if f"- {m} {p} — " not in text]
    assert not missing
    # Bodies and answers are spelled out from the schemas, with optional fields marked.
    line = next(x for x in text.splitlines() if x.startswith("- PUT /api/v1/brand-kit "))
    assert "Scope: accounts:write." in line and "brand_color?" in line
    assert "Returns 200: { updated" in line
    assert "## Quick Start (New Account)" in text and "credits/month" in text


async def test_pricing_is_the_charging_table(client: httpx.AsyncClient) -> None:
    body = (await client.get("/pricing.json")).json()
    plans = {p["name"]: p for p in body["plans"]}
    assert set(plans) == {p.value for p in PlanName}
    assert plans["starter"] == {"name": "starter", "price_usd_month": 13, "max_accounts": 20,
                                "monthly_credits": 200.0, "api_access": True}  # fmt: skip
    assert plans["agency"]["max_accounts"] is None and plans["free"]["api_access"] is False
    assert body["credit_costs"] == {
        "publish_post": 0.0, "ai_generate_post": 0.5, "ai_generate_image": 2.0,
        "analytics_fetch": 0.0,
    }  # fmt: skip
    assert len(COSTS) == len(Cost) and PLANS[PlanName.creator].monthly_credits == 500_00


async def test_agent_card_links_answer(app: FastAPI, client: httpx.AsyncClient) -> None:
    card = (await client.get("/.well-known/agents.json")).json()
    base = app.state.settings.public_url.rstrip("/")
    assert card["name"] == "Lowtato" and card["url"] == base
    assert {"accounts:read", "posts:write", "analytics:read"} <= set(card["authentication"]["scopes"])  # fmt: skip
    assert (card["api"]["docs"], card["api"]["redoc"]) == (f"{base}/docs", f"{base}/redoc")
    documents = [url for name, url in card["api"].items() if name != "base_url"]
    for url in [*documents, card["pricing"]]:
        assert url.startswith(base)
        response = await client.get(urlsplit(url).path)
        assert response.status_code == 200, url
    operations = {op["operation"] for cap in card["capabilities"] for op in cap["operations"]}
    assert "POST /api/v1/posts" in operations and "GET /api/v1/brand-kit" in operations


async def test_sitemap_lists_public_documents(app: FastAPI, client: httpx.AsyncClient) -> None:
    response = await client.get("/sitemap.xml")
    assert response.headers["content-type"].startswith("application/xml")
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    tree = ElementTree.fromstring(response.text)  # noqa: S314 - our own document
    locs = [e.text or "" for e in tree.findall("s:url/s:loc", ns)]
    base = app.state.settings.public_url.rstrip("/")
    assert f"{base}/llms.txt" in locs and f"{base}/pricing.json" in locs
    assert f"{base}/docs" in locs and f"{base}/redoc" in locs
    for loc in locs:
        assert loc.startswith(base)
        assert (await client.get(urlsplit(loc).path)).status_code == 200, loc
