"""``/openapi.json`` states what the server does: the statuses it answers, the types it serves,
the values it accepts, and no coercion the schema does not allow."""

from __future__ import annotations

from typing import Any

import httpx
from tests.api import connect, error
from tests.conftest import Owner

from lowtato.platforms.names import PLATFORMS
from lowtato.webhooks.schemas import SUBSCRIBABLE


async def openapi(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op) for path, item in doc["paths"].items() for method, op in item.items()
    ]


async def test_not_found_and_unavailable_are_documented_where_they_happen(
    client: httpx.AsyncClient, owner: Owner
) -> None:
    missing = await client.get("/api/v1/posts/post_missing", headers=owner.headers)
    assert missing.status_code == 404
    doc = await openapi(client)
    for path, method, op in operations(doc):
        statuses = set(op["responses"])
        assert "503" in statuses, (method, path)
        if "{" in path or "security" in op:
            assert "404" in statuses, (method, path)


async def test_idempotent_creates_document_the_header_409_and_422(
    client: httpx.AsyncClient,
) -> None:
    doc = await openapi(client)
    for path in ("/api/v1/posts", "/api/v1/posts/bulk", "/api/v1/media/upload", "/api/v1/webhooks"):
        op = doc["paths"][path]["post"]
        assert "Idempotency-Key" in [p["name"] for p in op.get("parameters", [])], path
        assert {"409", "422"} <= set(op["responses"]), path


async def test_bulk_answers_200_when_nothing_was_created_and_says_so(
    client: httpx.AsyncClient, owner: Owner
) -> None:
    response = await client.post(
        "/api/v1/posts/bulk",
        headers=owner.headers,
        json={"posts": [{"content": "x", "platforms": ["twitter"]}]},  # no twitter account
    )
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 0
    doc = await openapi(client)
    assert "200" in doc["paths"]["/api/v1/posts/bulk"]["post"]["responses"]


async def test_the_media_file_route_is_documented_as_files_not_json(
    client: httpx.AsyncClient,
) -> None:
    doc = await openapi(client)
    ok = doc["paths"]["/media/{token}/{filename}"]["get"]["responses"]["200"]
    assert "application/json" not in ok["content"]
    assert {"image/jpeg", "image/png", "video/mp4"} <= set(ok["content"])


async def test_platform_and_event_enums_are_stated_and_enforced(
    client: httpx.AsyncClient, owner: Owner
) -> None:
    doc = await openapi(client)
    schemas = doc["components"]["schemas"]
    assert schemas["ConnectRequest"]["properties"]["platform"]["enum"] == list(PLATFORMS)
    assert schemas["ConnectLinkRequest"]["properties"]["platform"]["enum"] == list(PLATFORMS)
    platforms = schemas["AutoConfigure"]["properties"]["platforms"]["items"]
    assert platforms["enum"] == list(PLATFORMS)
    events = schemas["WebhookCreate"]["properties"]["events"]["items"]
    assert events["enum"] == list(SUBSCRIBABLE)
    refused = await client.post(
        "/api/v1/accounts/connect",
        headers=owner.headers,
        json={"platform": "myspace", "access_token": "t", "platform_user_id": "1"},
    )
    assert refused.status_code == 400
    assert error(refused)["details"][0]["field"] == "platform"


async def test_booleans_are_not_coerced_from_numbers(
    client: httpx.AsyncClient, owner: Owner
) -> None:
    response = await client.patch(
        "/api/v1/profile",
        headers=owner.headers,
        json={"notification_preferences": {"email_weekly_report": 0}},
    )
    assert response.status_code == 400, response.text
    field = error(response)["details"][0]["field"]
    assert field == "notification_preferences.email_weekly_report"
    account = await connect(client, owner)
    post = await client.post(
        "/api/v1/posts",
        headers=owner.headers,
        json={"account_id": account, "content": "x", "use_next_free_slot": 1},
    )
    assert post.status_code == 400, post.text
    assert error(post)["details"][0]["field"] == "use_next_free_slot"


async def test_creates_link_to_the_operations_on_what_they_created(
    client: httpx.AsyncClient, owner: Owner
) -> None:
    doc = await openapi(client)
    links = doc["paths"]["/api/v1/posts"]["post"]["responses"]["201"]["links"]
    get_post = doc["paths"]["/api/v1/posts/{post_id}"]["get"]["operationId"]
    assert links[get_post]["parameters"] == {"path.post_id": "$response.body#/id"}
    # What the link says holds: the created id opens the post.
    account = await connect(client, owner)
    created = await client.post(
        "/api/v1/posts",
        headers=owner.headers,
        json={"post": {"accountId": account, "content": {"text": "linked"}}},
    )
    post = await client.get(f"/api/v1/posts/{created.json()['id']}", headers=owner.headers)
    assert post.status_code == 200
    hooks = doc["paths"]["/api/v1/webhooks"]["post"]["responses"]["201"]["links"]
    assert {v["parameters"]["path.webhook_id"] for v in hooks.values()} == {"$response.body#/id"}
