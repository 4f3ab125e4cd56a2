"""A post scheduled into its account's next free slot: the slots domain says when slots
occur; the posts domain knows which occurrences its scheduled posts already take."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.accounts.models import SocialAccount
from lowtato.accounts.service import lock_account
from lowtato.errors import ValidationFailed
from lowtato.kit import clock
from lowtato.kit.principal import Principal
from lowtato.posts.repository import PostRepository
from lowtato.slots.service import applies_to, list_slots, owner_timezone
from lowtato.slots.timemath import SlotSpec, next_free_occurrence


async def next_free_slot(
    session: AsyncSession, principal: Principal, account: SocialAccount
) -> tuple[datetime, str]:
    """The earliest future occurrence of a slot for this account that none of its scheduled
    posts already takes. The account row is locked first so two concurrent requests cannot
    both take the same occurrence."""
    await lock_account(session, principal, account.id)
    slots = [s for s in await list_slots(session, principal) if applies_to(s, account)]
    if not slots:
        raise ValidationFailed.field(
            "useNextFreeSlot",
            f"no schedule slots apply to account {account.id}; create some with POST "
            "/api/v1/schedule/slots or POST /api/v1/schedule/auto-configure, or send scheduledTime",
        )
    tz = ZoneInfo(await owner_timezone(session, principal))
    taken = await PostRepository(session, principal).scheduled_times(account.id)
    specs = [SlotSpec(s.id, s.day, s.hour, s.minute) for s in slots]
    found = next_free_occurrence(specs, clock.now(), tz, taken)
    if found is None:
        raise ValidationFailed.field(
            "useNextFreeSlot", "every slot occurrence in the next year is taken for this account"
        )
    return found[0], found[1].id
