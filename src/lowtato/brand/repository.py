"""SQL for brand kits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.auth.models import User
from lowtato.brand.models import BrandKit
from lowtato.kit import clock


class BrandKitRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, owner_id: str) -> BrandKit | None:
        return await self.session.get(BrandKit, owner_id)

    def add_empty(self, owner_id: str) -> BrandKit:
        kit = BrandKit(owner_id=owner_id, topics=[], updated_at=clock.now())
        self.session.add(kit)
        return kit

    async def get_for_update(self, owner_id: str) -> BrandKit:
        """The owner's kit, locked; made empty first if missing. The owner's row is locked
        before the kit is looked for, so two first writers cannot both insert it."""
        await self.session.execute(select(User.id).where(User.id == owner_id).with_for_update())
        kit = await self.session.get(BrandKit, owner_id, with_for_update=True)
        if kit is None:
            kit = self.add_empty(owner_id)
            await self.session.flush()
        return kit
