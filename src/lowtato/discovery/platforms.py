"""``GET /api/v1/platforms`` — each platform's limits and options, read before posting."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from lowtato.kit.routing import JSONRoute
from lowtato.platforms.catalog import public_capabilities

router = APIRouter(tags=["Platforms"], route_class=JSONRoute)
_CATALOG = public_capabilities()


@router.get("/api/v1/platforms", summary="Platform capabilities (no auth)")
async def platforms() -> dict[str, Any]:
    """Text limits and how they are counted, media rules, post types and the `options`
    schema per platform — the same rules POST /api/v1/posts enforces."""
    return {"platforms": _CATALOG}
