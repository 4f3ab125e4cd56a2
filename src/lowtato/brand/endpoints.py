"""``/api/v1/brand-kit``."""

from __future__ import annotations

from fastapi import APIRouter

from lowtato.auth.deps import AccountsRead, AccountsWrite
from lowtato.brand import service
from lowtato.brand.schemas import BrandKitOut, BrandKitUpdate
from lowtato.kit.routing import JSONRoute
from lowtato.kit.schemas import Updated
from lowtato.kit.session import Session

router = APIRouter(prefix="/api/v1/brand-kit", tags=["Brand kit"], route_class=JSONRoute)


@router.get("", summary="Get brand settings")
async def get_brand_kit(principal: AccountsRead, session: Session) -> BrandKitOut:
    """The owner's brand kit (one per owner, shared by live and test keys). AI generation
    writes in its `tone` and `language` about its `topics`."""
    return await service.get_kit(session, principal)


@router.put("", summary="Update brand settings")
async def put_brand_kit(
    body: BrandKitUpdate, principal: AccountsWrite, session: Session
) -> Updated:
    """A partial update: only the fields sent change, `null` clears one. `brand_color` is
    `#RRGGBB`, `logo_url`/`website` http(s) URLs, `language` an ISO 639-1 code (optionally
    with a region, `pt-BR`), `topics` up to 20 short strings; anything else is a 400
    `validation_error` naming the field."""
    await service.put_kit(session, principal, body)
    return Updated()
