"""The OpenAPI document is valid OpenAPI 3.1, covers every route the app serves, and says
what a generated client needs: servers, stable operation ids, the replay answer, the
rate-limit headers on 429, the codes each error status carries, the health report."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI
from openapi_spec_validator import validate
from tests.conftest import Owner
from tests.hardening.test_openapi_truth import openapi, operations

from lowtato.kit.openapi import api_routes, error_codes


async def test_the_document_is_valid_and_covers_every_route(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    doc = await openapi(client)
    validate(doc)  # raises on any violation of the OpenAPI 3.1 schema
    assert doc["openapi"].startswith("3.1")
    assert doc["servers"] == [{"url": app.state.settings.public_url, "description": "This server"}]
    documented = {(m.upper(), p) for p, m, _ in operations(doc)}
    served = {
        (m, p) for p, r in api_routes(app) if r.include_in_schema for m in r.methods or ()
        if m != "HEAD"
    }  # fmt: skip
    assert served == documented
    ids = [op["operationId"] for _, _, op in operations(doc)]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z][A-Za-z0-9]*", i) for i in ids), ids
    by_route = {(m, p): op["operationId"] for p, m, op in operations(doc)}
    assert by_route[("get", "/api/v1/posts/{post_id}")] == "getPost"
    text = str(doc)
    assert all(f"#/components/schemas/{name}'" in text for name in doc["components"]["schemas"])


async def test_error_answers_carry_the_envelope_and_their_codes(client: httpx.AsyncClient) -> None:
    doc = await openapi(client)
    codes = error_codes()
    assert "insufficient_credits" in codes["402"] and "missing_scope" in codes["403"]
    for path, method, op in operations(doc):
        for status, response in op["responses"].items():
            if status[0] not in "45" or path == "/api/health" or status == "416":
                continue  # the health report and a bare 416 (a Range outside a file)
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}, (method, path, status)
            assert response["x-error-codes"] == codes[status], (method, path, status)
        if "security" in op:
            limited = op["responses"]["429"]["headers"]
            assert {"Retry-After", "X-RateLimit-Limit", "X-RateLimit-Reset"} <= set(limited)
        if "requestBody" in op and "application/json" in op["requestBody"]["content"]:
            assert "413" in op["responses"], (method, path)


async def test_a_create_documents_its_replay_and_header(
    client: httpx.AsyncClient, owner: Owner
) -> None:
    doc = await openapi(client)
    create = doc["paths"]["/api/v1/posts"]["post"]
    assert create["responses"]["200"]["content"] == create["responses"]["201"]["content"]
    headers = [p["name"] for p in create["parameters"] if p["in"] == "header"]
    assert headers == ["Idempotency-Key"]
    shapes = doc["components"]["schemas"]["PostCreate"]["anyOf"]
    assert [x["required"] for x in shapes] == [["post"], ["account_id"]]
    connect = doc["components"]["schemas"]["ConnectRequest"]
    assert {"required": ["platform_user_id"]} in connect["anyOf"]
    publish = doc["paths"]["/api/v1/posts/{post_id}/publish"]["post"]["responses"]["200"]
    assert "READ THE BODY" in publish["description"]


async def test_health_documents_its_report_503_and_live(client: httpx.AsyncClient) -> None:
    doc = await openapi(client)
    health = doc["paths"]["/api/health"]["get"]
    assert health["parameters"][0]["name"] == "live"
    for status in ("200", "503"):
        schema = health["responses"][status]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/HealthReport"}
    report = doc["components"]["schemas"]["HealthReport"]
    assert report["properties"]["status"]["enum"] == ["healthy", "degraded", "unhealthy"]
    live = (await client.get("/api/health?live")).json()
    assert live["status"] == "healthy" and live["checks"] == {}
