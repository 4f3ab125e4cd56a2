"""Driving ``POST /api/v1/ai/images`` and looking at what it stored."""

from __future__ import annotations

import io
from typing import Any

import httpx
from fastapi import FastAPI
from PIL import Image
from sqlalchemy import func, select
from tests.conftest import Owner

from lowtato.billing.models import CreditEntry
from lowtato.media.models import MediaFile


async def make_image(client: httpx.AsyncClient, owner: Owner, **body: Any) -> httpx.Response:
    return await client.post("/api/v1/ai/images", headers=owner.headers, json=body)


async def fetch(client: httpx.AsyncClient, url: str) -> tuple[bytes, Image.Image]:
    """The stored file through its public URL (no API key), decoded."""
    response = await client.get(url)
    assert response.status_code == 200, response.text
    image = Image.open(io.BytesIO(response.content))
    image.load()
    return response.content, image


async def balance(client: httpx.AsyncClient, owner: Owner) -> float:
    response = await client.get("/api/v1/credits", headers=owner.headers)
    assert response.status_code == 200, response.text
    return float(response.json()["balance"])


async def ledger(app: FastAPI, owner: Owner) -> list[tuple[int, str]]:
    """(amount, reason) of the owner's ledger entries after the opening one, oldest first."""
    async with app.state.db.transaction() as session:
        rows = await session.execute(
            select(CreditEntry.amount, CreditEntry.reason)
            .where(CreditEntry.owner_id == owner.user_id, CreditEntry.reason != "monthly_reset")
            .order_by(CreditEntry.created_at, CreditEntry.balance_after.desc())
        )
        return [(int(a), str(r)) for a, r in rows]


async def stored_media(app: FastAPI, owner: Owner) -> int:
    async with app.state.db.transaction() as session:
        count = await session.scalar(
            select(func.count()).select_from(MediaFile).where(MediaFile.owner_id == owner.user_id)
        )
        return int(count or 0)


def dominant(image: Image.Image) -> tuple[int, int, int]:
    colours = image.convert("RGB").getcolors(maxcolors=1 << 24) or []
    _, rgb = max(colours)
    return rgb
