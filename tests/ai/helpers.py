"""Driving ``POST /api/v1/ai/generate`` and reading the credits, as an agent does."""

from __future__ import annotations

from typing import Any

import httpx
from tests.conftest import Owner

BAKERY = {
    "brand_name": "Crumb & Co",
    "tone": "friendly",
    "topics": ["sourdough", "local food", "baking"],
    "what_do_you_do": "We bake sourdough bread and pastries every morning.",
    "who_do_you_help": "Busy families who want real bread",
    "language": "en",
}


async def generate(client: httpx.AsyncClient, owner: Owner, **body: Any) -> httpx.Response:
    return await client.post("/api/v1/ai/generate", headers=owner.headers, json=body)


async def ok(client: httpx.AsyncClient, owner: Owner, **body: Any) -> dict[str, Any]:
    response = await generate(client, owner, **body)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def brand(client: httpx.AsyncClient, owner: Owner, **fields: Any) -> None:
    response = await client.put("/api/v1/brand-kit", headers=owner.headers, json=fields)
    assert response.status_code == 200, response.text


async def balance(client: httpx.AsyncClient, owner: Owner) -> float:
    response = await client.get("/api/v1/credits", headers=owner.headers)
    assert response.status_code == 200, response.text
    return float(response.json()["balance"])
