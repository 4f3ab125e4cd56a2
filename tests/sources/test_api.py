"""The HTTP surface: 400s that name the field and store nothing, scopes, owner and mode
isolation, Idempotency-Key, the OpenAPI document, and read_for_generation for AI generation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from tests.conftest import Owner, OwnerFactory
from tests.sources.conftest import create, get, settle
from tests.sources.site import SiteState

from lowtato.errors import Conflict, NotFound
from lowtato.jobs.models import Job
from lowtato.sources import service
from lowtato.sources.models import Source
from lowtato.sources.service import SourceText


async def _counts(app: FastAPI) -> tuple[int, int]:
    async with app.state.db.transaction(readonly=True) as session:
        sources = await session.scalar(select(func.count()).select_from(Source))
        jobs = await session.scalar(
            select(func.count()).select_from(Job).where(Job.kind == "sources.extract")
        )
    return int(sources or 0), int(jobs or 0)


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ({"sourceType": "article"}, "url", "required for sourceType 'article'"),
        ({"sourceType": "pdf", "url": "  "}, "url", "required for sourceType 'pdf'"),
        ({"sourceType": "text"}, "text", "required for sourceType 'text'"),
        ({"sourceType": "perplexity-query", "text": " "}, "text", "required"),
        ({"sourceType": "audio"}, "url", "needs `url`"),
        ({"sourceType": "podcast", "url": "https://example.com"}, "sourceType", ""),
        ({"url": "https://example.com"}, "sourceType", ""),
        ({"sourceType": "article", "url": "ftp://example.com/a"}, "url", "http"),
        ({"sourceType": "youtube", "url": "https://www.youtube.com/feed/trending"}, "url",
         "not a YouTube video URL"),
        ({"sourceType": "youtube", "url": "https://youtu.be/short"}, "url", "YouTube"),
        ({"sourceType": "tiktok", "url": "https://example.com/@a/video/1"}, "url", "TikTok"),
        ({"sourceType": "twitter", "url": "https://example.com/a/status/1"}, "url", "X/Twitter"),
        ({"sourceType": "text", "text": "hi", "url": "https://example.com"}, "url", "remove"),
        ({"sourceType": "article", "url": "https://example.com", "text": "x"}, "text", "remove"),
        ({"sourceType": "text", "text": "x" * 100_001}, "text", "at most 100000"),
        ({"sourceType": "text", "text": "x", "customInstructions": "y" * 2001},
         "customInstructions", "at most 2000"),
        ({"sourceType": "text", "text": "x", "colour": "red"}, "colour", "unknown field"),
        ({"sourceType": "text", "text": "a\x00b"}, "text", "control characters"),
    ],
)  # fmt: skip
async def test_bad_requests_name_the_field_and_store_nothing(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, body: dict[str, Any], field: str,
    says: str,
) -> None:  # fmt: skip
    response = await client.post("/api/v1/sources", headers=owner.headers, json=body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert [d["field"] for d in error["details"]] == [field], error
    assert says in error["details"][0]["message"]
    assert await _counts(app) == (0, 0)


async def test_create_answers_202_queued_and_stores_the_request(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner
) -> None:
    body = {"source_type": "text", "text": "  Hello bakery.  ", "custom_instructions": " Short "}
    created = await create(client, owner, body)
    assert created["status"] == "queued"
    source = await get(client, owner, created["id"])
    assert source["source_type"] == "text" and source["text"] == "Hello bakery."
    assert source["custom_instructions"] == "Short" and source["status"] == "queued"
    assert source["completed_at"] is None and source["created_at"].endswith("Z")
    assert await _counts(app) == (1, 1)


async def test_idempotency_key_replays_the_first_answer(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner
) -> None:
    headers = {**owner.headers, "Idempotency-Key": "src-1"}
    body = {"sourceType": "text", "text": "Once only."}
    first = await client.post("/api/v1/sources", headers=headers, json=body)
    second = await client.post("/api/v1/sources", headers=headers, json=body)
    assert first.status_code == second.status_code == 202
    assert second.json() == first.json() and second.headers["Idempotent-Replayed"] == "true"
    reused = await client.post("/api/v1/sources", headers=headers, json={**body, "text": "Other"})
    assert reused.status_code == 422
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    assert await _counts(app) == (1, 1)


async def test_scope_ai_generate_is_required(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    reader = await make_owner(scopes=["posts:read", "posts:write"])
    allowed = await make_owner(scopes=["ai:generate"])
    created = await create(client, allowed, {"sourceType": "text", "text": "Scoped."})
    post = await client.post("/api/v1/sources", headers=reader.headers,
                             json={"sourceType": "text", "text": "No."})  # fmt: skip
    read = await client.get(f"/api/v1/sources/{created['id']}", headers=reader.headers)
    for response in (post, read):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "missing_scope"


async def test_another_owners_or_modes_source_is_not_found(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, make_owner: OwnerFactory
) -> None:
    created = await create(client, owner, {"sourceType": "text", "text": "Mine."})
    stranger = await make_owner()
    live_me = await make_owner(livemode=True, email=owner.email)
    for other in (stranger, live_me):
        response = await client.get(f"/api/v1/sources/{created['id']}", headers=other.headers)
        assert response.status_code == 404
        assert response.json()["error"] == {
            "code": "not_found",
            "message": f"No source with id '{created['id']}' exists for this API key.",
        }
    missing = await client.get("/api/v1/sources/src_nope", headers=owner.headers)
    assert missing.status_code == 404


async def test_openapi_documents_the_routes(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    post = document["paths"]["/api/v1/sources"]["post"]
    assert "202" in post["responses"]
    assert "ai:generate" in post["description"]
    assert "/api/v1/sources/{source_id}" in document["paths"]


async def test_read_for_generation(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, make_owner: OwnerFactory,
    site: SiteState,
) -> None:  # fmt: skip
    ready = await settle(app, client, owner, {"sourceType": "text", "text": "Rye day.\nBake."})
    queued = await create(client, owner, {"sourceType": "text", "text": "Later."})
    stranger = await make_owner()
    db = app.state.db

    async def read(source_id: str, *, owner_id: str = owner.user_id, live: bool = False) -> Any:
        async with db.transaction(readonly=True) as session:
            return await service.read_for_generation(
                session, owner_id=owner_id, livemode=live, source_id=source_id
            )

    assert await read(ready["id"]) == SourceText(title="Rye day.", content="Rye day.\nBake.")
    with pytest.raises(Conflict, match="still queued"):
        await read(queued["id"])
    with pytest.raises(NotFound):
        await read(ready["id"], owner_id=stranger.user_id)
    with pytest.raises(NotFound):
        await read(ready["id"], live=True)
    failed = await settle(app, client, owner, {"sourceType": "article",
                                               "url": site.base_url + "/missing"})  # fmt: skip
    with pytest.raises(Conflict, match="failed to extract") as refused:
        await read(failed["id"])
    assert refused.value.status == 409
