"""The error envelope for malformed requests, unknown routes and bugs."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI
from tests.conftest import Owner, client_for

from lowtato.kit.openapi import api_routes


async def test_invalid_json(client: httpx.AsyncClient, owner: Owner) -> None:
    response = await client.patch(
        "/api/v1/profile",
        headers={**owner.headers, "content-type": "application/json"},
        content=b'{"display_name": ',
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"
    assert response.headers["X-Request-Id"]


async def test_schema_violation_names_the_field(client: httpx.AsyncClient, owner: Owner) -> None:
    response = await client.patch(
        "/api/v1/profile", headers=owner.headers, json={"display_name": 12}
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["details"][0]["field"] == "display_name"


async def test_unknown_route_and_method(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nope")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    response = await client.delete("/api/health")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


async def test_unhandled_exception_is_a_500_envelope_without_trace(app: FastAPI) -> None:
    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals at /srv/db.py line 42")

    async with client_for(app) as client:
        response = await client.get("/boom", headers={"X-Request-Id": "trace-me-1"})
    assert response.status_code == 500
    body = response.json()
    assert body["error"]["code"] == "internal_error"
    assert body["error"]["details"] == {"request_id": "trace-me-1"}
    assert "secret internals" not in response.text and "Traceback" not in response.text
    assert response.headers["X-Request-Id"] == "trace-me-1"


async def test_openapi_documents_scopes_and_errors(client: httpx.AsyncClient) -> None:
    doc = (await client.get("/openapi.json")).json()
    assert doc == (await client.get("/.well-known/openapi.json")).json()
    op = doc["paths"]["/api/v1/profile"]["patch"]
    assert op["x-required-scope"] == "accounts:write"
    assert {"400", "401", "402", "403", "429", "500"} <= set(op["responses"])
    assert op["responses"]["403"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert "X-RateLimit-Reset" in op["responses"]["200"]["headers"]


def _matches(template: str, path: str) -> bool:
    parts, wanted = template.split("/"), path.split("/")
    return len(parts) == len(wanted) and all(
        t == w or (t.startswith("{") and t.endswith("}"))
        for t, w in zip(parts, wanted, strict=True)
    )


async def test_every_405_names_the_allowed_methods(app: FastAPI, client: httpx.AsyncClient) -> None:
    """A 405 carries `Allow` listing every method the resource takes (RFC 9110), also where
    the methods of one path are served by different handlers (GET/POST/DELETE /webhooks) —
    the resource the OpenAPI document describes: /accounts/connect advertises POST, not the
    DELETE of /accounts/{account_id} (which a DELETE there would reach, and answer 404)."""
    routes = [(path, set(route.methods or ())) for path, route in api_routes(app)]
    answered = 0
    for template in dict.fromkeys(path for path, _ in routes):
        concrete = re.sub(r"\{[^}]+\}", "x1", template)
        matching = [(path, m) for path, m in routes if _matches(path, concrete)]
        reachable = set().union(*(m for _, m in matching))
        fewest = min(path.count("{") for path, _ in matching)
        advertised = set().union(*(m for path, m in matching if path.count("{") == fewest))
        for method in sorted({"GET", "POST", "PUT", "PATCH", "DELETE"} - reachable):
            response = await client.request(method, concrete)
            assert response.status_code == 405, (method, concrete, response.text)
            assert response.json()["error"]["code"] == "method_not_allowed"
            allow = {m.strip() for m in response.headers.get("allow", "").split(",") if m.strip()}
            assert allow == advertised, (method, concrete, response.headers.get("allow"))
            answered += 1
    print(f"\n405 with Allow: {answered} (path, method) pairs")
    assert answered > 60
