"""Slots: creating, listing and auto-configuring an owner's recurring posting times. Picking
the next free one for a post is the posts domain's (``posts.slotting``): it knows which
occurrences its scheduled posts take."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.accounts.models import SocialAccount
from lowtato.accounts.service import check_platform, find_account
from lowtato.auth.service import get_user
from lowtato.errors import ValidationFailed
from lowtato.kit import clock
from lowtato.kit.ids import new_id
from lowtato.kit.principal import Principal
from lowtato.slots import autoconfig
from lowtato.slots.best_times import best_times_for
from lowtato.slots.frequencies import FREQUENCIES, PostingFrequency
from lowtato.slots.models import Slot
from lowtato.slots.repository import SlotRepository
from lowtato.slots.schemas import AutoConfigure, AutoConfigured, SlotOut, SlotsCreate


def slot_out(slot: Slot) -> SlotOut:
    return SlotOut(
        id=slot.id,
        day=slot.day,
        hour=slot.hour,
        minute=slot.minute,
        selected_targets=list(slot.selected_targets or []),
        platforms=list(slot.platforms or []),
    )


async def owner_timezone(session: AsyncSession, principal: Principal) -> str:
    user = await get_user(session, principal.user_id)
    return user.timezone if user else "UTC"


async def list_slots(session: AsyncSession, principal: Principal) -> list[Slot]:
    return await SlotRepository(session, principal).all()


async def create_slots(
    session: AsyncSession, principal: Principal, body: SlotsCreate
) -> list[Slot]:
    problems = []
    for i, item in enumerate(body.slots):
        for j, account_id in enumerate(item.selectedTargets):
            if await find_account(session, principal, account_id) is None:
                problems.append({
                    "field": f"slots[{i}].selectedTargets[{j}]",
                    "message": f"no account '{account_id}' (list them with GET /api/v1/accounts)",
                })  # fmt: skip
    if problems:
        raise ValidationFailed.fields(problems)
    repo = SlotRepository(session, principal)
    now = clock.now()
    return [
        await repo.add(
            Slot(
                id=new_id("slot"), **repo.owned_fields(), day=item.day, hour=item.hour,
                minute=item.minute, selected_targets=sorted(set(item.selectedTargets)),
                platforms=[], created_at=now,
            )
        )
        for item in body.slots
    ]  # fmt: skip


async def delete_slot(session: AsyncSession, principal: Principal, slot_id: str) -> None:
    repo = SlotRepository(session, principal)
    await repo.remove(await repo.require(slot_id))


async def auto_configure(
    session: AsyncSession, principal: Principal, body: AutoConfigure
) -> AutoConfigured:
    """Replace every slot with the best-times plan; a given timezone becomes the profile's."""
    platforms = [check_platform(p, f"platforms[{i}]") for i, p in enumerate(body.platforms)]
    planned = autoconfig.plan_slots(platforms, body.posts_per_day, body.include_weekends)
    user = await get_user(session, principal.user_id)
    if user is not None and body.timezone:
        user.timezone = body.timezone
    slots = await replace_slots(session, principal, planned)
    return AutoConfigured(
        slots_created=len(slots),
        timezone=user.timezone if user else "UTC",
        slots=[slot_out(s) for s in slots],
        sources=best_time_sources(platforms),
    )


async def plan_frequency(
    session: AsyncSession, principal: Principal, platforms: list[str], frequency: PostingFrequency
) -> list[Slot]:
    """Replace every slot (in the key's mode) with a posting frequency's plan (onboarding)."""
    wanted = FREQUENCIES[frequency]
    planned = autoconfig.plan_slots(platforms, wanted.posts_per_day, False, days=wanted.days)
    return await replace_slots(session, principal, planned)


async def replace_slots(
    session: AsyncSession, principal: Principal, planned: list[autoconfig.PlannedSlot]
) -> list[Slot]:
    repo = SlotRepository(session, principal)
    await repo.delete_all()
    now = clock.now()
    return [
        await repo.add(
            Slot(
                id=new_id("slot"), **repo.owned_fields(), day=p.day, hour=p.hour,
                minute=p.minute, selected_targets=[], platforms=list(p.platforms), created_at=now,
            )
        )
        for p in planned
    ]  # fmt: skip


def best_time_sources(platforms: list[str]) -> dict[str, list[str]]:
    return {p: [s.url for s in best_times_for(p).sources] for p in dict.fromkeys(platforms)}


def applies_to(slot: Slot, account: SocialAccount) -> bool:
    targets, platforms = slot.selected_targets or [], slot.platforms or []
    if not targets and not platforms:
        return True
    return account.id in targets or account.platform in platforms
