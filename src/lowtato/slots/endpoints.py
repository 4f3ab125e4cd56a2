"""``/api/v1/schedule/slots`` and ``/api/v1/schedule/auto-configure``."""

from __future__ import annotations

from fastapi import APIRouter

from lowtato.auth.deps import PostsRead, PostsWrite
from lowtato.kit.routing import JSONRoute
from lowtato.kit.schemas import Deleted
from lowtato.kit.session import Session
from lowtato.slots import service
from lowtato.slots.schemas import AutoConfigure, AutoConfigured, SlotList, SlotsCreate, SlotsCreated

router = APIRouter(prefix="/api/v1/schedule", tags=["Schedule slots"], route_class=JSONRoute)


@router.get("/slots", summary="List recurring time slots")
async def list_slots(principal: PostsRead, session: Session) -> SlotList:
    """Weekly wall-clock slots in the owner's timezone (profile `timezone`)."""
    slots = await service.list_slots(session, principal)
    return SlotList(
        slots=[service.slot_out(s) for s in slots],
        timezone=await service.owner_timezone(session, principal),
    )


@router.post("/slots", summary="Create slots", status_code=201)
async def create_slots(body: SlotsCreate, principal: PostsWrite, session: Session) -> SlotsCreated:
    """Add slots (`day` 0 = Sunday … 6, `hour`, `minute`, `selectedTargets` = account ids,
    empty = all accounts). `useNextFreeSlot: true` on a post takes the earliest free one."""
    slots = await service.create_slots(session, principal, body)
    return SlotsCreated(created=len(slots), slots=[service.slot_out(s) for s in slots])


@router.delete("/slots/{slot_id}", summary="Delete a slot")
async def delete_slot(slot_id: str, principal: PostsWrite, session: Session) -> Deleted:
    """Posts already scheduled into it keep their time."""
    await service.delete_slot(session, principal, slot_id)
    return Deleted()


@router.post("/auto-configure", summary="Generate a posting schedule from best times")
async def auto_configure(
    body: AutoConfigure, principal: PostsWrite, session: Session
) -> AutoConfigured:
    """Replaces all slots with per-platform best posting times (sources in `sources`);
    a `timezone` given here becomes the profile's timezone."""
    return await service.auto_configure(session, principal, body)
