"""``source_id`` on POST /api/v1/ai/generate: a ready source's text is what the post is
written from; an unknown, foreign or unfinished source is refused before anything is charged."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from tests.ai.helpers import BAKERY, balance, brand, generate, ok
from tests.api import error
from tests.conftest import OwnerFactory

from lowtato.jobs.worker import Worker
from lowtato.runtime import build_registry

ARTICLE = (
    "Rye flour holds more water than wheat, so the dough feels sticky. "
    "Our bakers proof the rye loaf for sixteen hours in the cold. "
    "The long proof gives the crumb a deep, sour flavour that keeps for a week."
)


async def _source(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    response = await client.post(
        "/api/v1/sources", headers=headers, json={"sourceType": "text", "text": ARTICLE}
    )
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


async def test_a_post_is_written_from_a_ready_source(
    app: FastAPI, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner()
    await brand(client, owner, **BAKERY)
    source_id = await _source(client, owner.headers)

    queued = await generate(client, owner, topic="rye", platform="linkedin", source_id=source_id)
    assert queued.status_code == 409 and "still queued" in error(queued)["message"]
    assert await balance(client, owner) == 200.0  # nothing charged

    await Worker(app.state.db, build_registry(app.state.services)).run_once()
    body = await ok(client, owner, topic="rye", platform="linkedin", source_id=source_id)
    assert "sixteen hours" in body["content"] or "holds more water" in body["content"]
    assert await balance(client, owner) == 199.5

    without = await ok(client, owner, topic="rye", platform="linkedin")
    assert without["content"] != body["content"]


async def test_unknown_or_foreign_sources_are_404_and_cost_nothing(
    client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    owner = await make_owner()
    other = await make_owner()
    theirs = await _source(client, other.headers)
    for source_id in (theirs, "src_missing"):
        response = await generate(client, owner, topic="rye", platform="x", source_id=source_id)
        assert response.status_code in (400, 404), response.text
    response = await generate(client, owner, topic="rye", platform="twitter", source_id=theirs)
    assert response.status_code == 404 and error(response)["code"] == "not_found"
    bad = await generate(client, owner, topic="rye", platform="twitter", source_id="post_1")
    assert bad.status_code == 400 and "source_id" in error(bad)["message"]
    assert await balance(client, owner) == 200.0
