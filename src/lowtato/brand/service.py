"""Reading and changing the owner's brand kit."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.auth.events import OwnerCreated
from lowtato.brand.models import BrandKit
from lowtato.brand.repository import BrandKitRepository
from lowtato.brand.schemas import BrandKitOut, BrandKitUpdate
from lowtato.kit import clock
from lowtato.kit.principal import Principal

FIELDS = tuple(BrandKitOut.model_fields)


def kit_out(kit: BrandKit | None) -> BrandKitOut:
    if kit is None:
        return BrandKitOut(**dict.fromkeys(FIELDS), topics=[])
    return BrandKitOut(**{f: getattr(kit, f) for f in FIELDS if f != "topics"},
                       topics=list(kit.topics or []))  # fmt: skip


async def get_kit(session: AsyncSession, principal: Principal) -> BrandKitOut:
    return kit_out(await BrandKitRepository(session).get(principal.user_id))


async def update_kit(session: AsyncSession, owner_id: str, changes: dict[str, Any]) -> BrandKit:
    """Set the given fields (``None`` clears one, ``topics`` ``None`` empties the list)."""
    kit = await BrandKitRepository(session).get_for_update(owner_id)
    for field, value in changes.items():
        setattr(kit, field, [] if field == "topics" and value is None else value)
    kit.updated_at = clock.now()
    return kit


async def put_kit(session: AsyncSession, principal: Principal, data: BrandKitUpdate) -> None:
    await update_kit(session, principal.user_id, data.model_dump(include=data.model_fields_set))


async def open_kit(session: AsyncSession, created: OwnerCreated) -> None:
    """A new owner starts with an empty kit (subscribed to ``OwnerCreated``)."""
    BrandKitRepository(session).add_empty(created.user.id)
