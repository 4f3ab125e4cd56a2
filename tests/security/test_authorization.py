"""The authorization sweep, generated from the app's own routes so a new route cannot slip
past it: every route is public by name or needs a scope; a key lacking the scope gets 403
`missing_scope` and a key holding it never does; the free plan gets 402 on every /api/v1
route; and every PATCH/PUT refuses fields it does not let a client write, changing nothing.
(Two owners in two modes over every id-taking route is in tests/test_isolation.py.)"""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi import FastAPI
from tests.api import connect, create_post, later
from tests.conftest import Owner, OwnerFactory
from tests.dashboard.helpers import dashboard_routes

from lowtato.auth.scopes import ALL_SCOPES
from lowtato.kit.openapi import api_routes

# Routes anyone may call, each for a reason: health for load balancers, the platform rules for
# agents before they have a key, media files and sandbox post pages for platforms and
# browsers (an unguessable token or id protects them), the OAuth pages for the browser that
# a connect link sent there (the link's single-use state protects them), the API description,
# Stripe's webhook (its Stripe-Signature authenticates it) and the pages Stripe Checkout
# returns a buyer to.
PUBLIC = {
    ("POST", "/api/v1/billing/stripe-webhook"),
    ("GET", "/billing/success"),
    ("GET", "/billing/cancelled"),
    ("GET", "/api/health"),
    ("GET", "/api/v1/platforms"),
    ("GET", "/media/{token}/{filename}"),
    ("HEAD", "/media/{token}/{filename}"),
    ("GET", "/sandbox/{platform}/{post_id}"),
    ("GET", "/oauth/{platform}/callback"),
    ("GET", "/sandbox/oauth/{platform}/authorize"),
    # Discovery documents: what an agent reads before it has a key.
    ("GET", "/llms.txt"),
    ("GET", "/.well-known/agents.json"),
    ("GET", "/pricing.json"),
    ("GET", "/sitemap.xml"),
    # The operator's Prometheus scrape: its own bearer token (LOWTATO_METRICS_TOKEN), no API key.
    ("GET", "/metrics"),
}


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x1", path)


async def _operations(app: FastAPI, client: httpx.AsyncClient) -> list[tuple[str, str, str]]:
    """(method, path, x-required-scope) of every scoped route, read from /openapi.json, after
    checking that every route the app serves is either there with a scope or in PUBLIC."""
    doc = (await client.get("/openapi.json")).json()
    operations, unscoped = [], []
    dashboard = dashboard_routes()  # session pages, swept by tests/dashboard/test_security.py
    for path, route in api_routes(app):
        for method in sorted(route.methods or ()):
            if (method, path) in dashboard:
                continue
            scope = doc["paths"].get(path, {}).get(method.lower(), {}).get("x-required-scope")
            if scope:
                assert scope in ALL_SCOPES, (method, path, scope)
                assert (method, path) not in PUBLIC, (method, path)
                operations.append((method, path, scope))
            elif (method, path) not in PUBLIC:
                unscoped.append((method, path))
    assert unscoped == [], f"routes with neither a scope nor a place in PUBLIC: {unscoped}"
    assert all(path.startswith("/api/v1/") for _, path, _ in operations)
    return operations


async def test_scope_matrix(
    app: FastAPI, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    operations = await _operations(app, client)
    keys = {scope: await make_owner(email="m@example.com", scopes=[scope]) for scope in ALL_SCOPES}
    cells = refused = 0
    for method, path, required in operations:
        for scope, key in keys.items():
            response = await client.request(method, _concrete(path), headers=key.headers, json={})
            if scope == required:
                assert response.status_code not in (401, 402, 403), (method, path, response.text)
            else:
                assert response.status_code == 403, (method, path, scope, response.text)
                assert response.json()["error"]["code"] == "missing_scope"
                assert response.json()["error"]["details"] == {"required_scope": required}
                refused += 1
            cells += 1
    print(f"\nscope matrix: {len(operations)} routes × {len(keys)} scopes = {cells} cells, "
          f"{refused} refused")  # fmt: skip
    assert len(operations) >= 35 and cells == len(operations) * len(ALL_SCOPES)


# Billing is open to the free plan: it is how a free owner upgrades.
FREE_PLAN_ROUTES = {
    ("GET", "/api/v1/billing"),
    ("POST", "/api/v1/billing/checkout"),
    ("POST", "/api/v1/billing/cancel"),
}


async def test_free_plan_is_402_on_every_api_route(
    app: FastAPI, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    operations = await _operations(app, client)
    for livemode in (False, True):
        free = await make_owner(email="free@example.com", plan="free", livemode=livemode)
        for method, path, _ in operations:
            response = await client.request(method, _concrete(path), headers=free.headers, json={})
            if (method, path) in FREE_PLAN_ROUTES:
                assert response.status_code != 402, (method, path, response.text)
                continue
            assert response.status_code == 402, (method, path, response.text)
            assert response.json()["error"]["code"] == "api_access_not_in_plan"
    print(f"\nfree plan: {len(operations)} routes × 2 modes refused with 402")


# Fields a client must never set through an update: identity, ownership, plan and billing,
# lifecycle state the server drives, timestamps, secrets.
PROTECTED = [
    "id", "owner_id", "user_id", "plan", "credits", "credit_balance", "status", "livemode",
    "created_at", "updated_at", "published_at", "public_url", "secret", "secret_enc",
    "email", "api_key", "key_id", "publish_state", "platform", "account_id", "disabled_reason",
    "is_admin", "role", "scopes",
]  # fmt: skip


async def _targets(client: httpx.AsyncClient, owner: Owner) -> dict[str, Any]:
    """For each PATCH/PUT route: its path filled in, a valid change, and how to read it back."""
    account = await connect(client, owner, "bluesky", "did:plc:mass")
    post = (await create_post(client, owner, account, "original", scheduledTime=later())).json()
    hook = await client.post(
        "/api/v1/webhooks",
        headers=owner.headers,
        json={"url": "https://hooks.example.com/m", "events": ["post.failed"]},
    )
    return {
        "/api/v1/profile": ("/api/v1/profile", {"display_name": "Changed"}, "/api/v1/profile"),
        "/api/v1/brand-kit": ("/api/v1/brand-kit", {"tone": "calm"}, "/api/v1/brand-kit"),
        "/api/v1/schedules/{schedule_id}": (
            f"/api/v1/schedules/{post['id']}",
            {"content_text": "changed"},
            f"/api/v1/posts/{post['id']}",
        ),
        "/api/v1/webhooks/{webhook_id}": (
            f"/api/v1/webhooks/{hook.json()['id']}",
            {"events": ["post.published"]},
            f"/api/v1/webhooks/{hook.json()['id']}",
        ),
    }


async def test_mass_assignment_on_every_update_route(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner
) -> None:
    updates = [
        (method, path)
        for path, route in api_routes(app)
        for method in route.methods or ()
        if method in {"PATCH", "PUT"}
    ]
    targets = await _targets(client, owner)
    assert {path for _, path in updates} == set(targets), "a new update route needs a target"
    doc = (await client.get("/openapi.json")).json()
    cases = 0
    for method, template in updates:
        path, change, read_back = targets[template]
        writable = _body_properties(doc, template, method)
        before = (await client.get(read_back, headers=owner.headers)).json()
        for field in PROTECTED:
            if field in writable:
                continue
            for body in ({field: "x"}, {**change, field: "x"}, {**change, field: None}):
                response = await client.request(method, path, headers=owner.headers, json=body)
                assert response.status_code == 400, (method, template, body, response.text)
                error = response.json()["error"]
                assert error["code"] == "validation_error"
                assert field in [d["field"] for d in error["details"]], (template, field, error)
                cases += 1
        after = (await client.get(read_back, headers=owner.headers)).json()
        assert after == before, template
    print(f"\nmass assignment: {len(updates)} update routes, {cases} refused bodies")
    assert cases >= len(updates) * 3 * (len(PROTECTED) - 5)


def _body_properties(doc: dict[str, Any], path: str, method: str) -> set[str]:
    body = doc["paths"][path][method.lower()]["requestBody"]["content"]["application/json"]
    schema = body["schema"]
    if "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return set(schema.get("properties", {}))
