"""SQL for schedule slots, scoped to one owner and mode."""

from __future__ import annotations

from sqlalchemy import delete

from lowtato.kit.repository import OwnedRepository
from lowtato.slots.models import Slot


class SlotRepository(OwnedRepository[Slot]):
    model = Slot
    noun = "slot"

    async def all(self) -> list[Slot]:
        stmt = self.scoped().order_by(Slot.day, Slot.hour, Slot.minute, Slot.id)
        return list((await self.session.execute(stmt)).scalars())

    async def delete_all(self) -> None:
        await self.session.execute(
            delete(Slot).where(
                Slot.owner_id == self.principal.user_id, Slot.livemode == self.principal.livemode
            )
        )
