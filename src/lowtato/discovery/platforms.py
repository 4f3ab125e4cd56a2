"""``GET /api/v1/platforms`` — each platform's limits and options, read before posting."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from lowtato.kit.routing import JSONRoute
from lowtato.platforms.catalog import public_capabilities

router = APIRouter(tags=["Platforms"], route_class=JSONRoute)
_CATALOG = public_capabilities()
# The real answer cut to one platform (the whole catalogue would be most of the document).
_EXAMPLE = {
    "platforms": [p for p in _CATALOG if p.get("platform") == "bluesky"][:1] or _CATALOG[:1]
}


@router.get(
    "/api/v1/platforms",
    summary="Platform capabilities (no auth)",
    responses={200: {"content": {"application/json": {"example": _EXAMPLE}}}},
)
async def platforms() -> dict[str, Any]:
    """Text limits and how they are counted, media rules, post types and the `options`
    schema per platform — the same rules POST /api/v1/posts enforces."""
    return {"platforms": _CATALOG}
