"""Onboarding in one call: the brand kit, the profile's timezone and user type, and a
posting schedule, written in one transaction. Repeating it replaces what it set (the slots
are planned afresh), never adds to it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.accounts.service import check_platform
from lowtato.brand import service as brand
from lowtato.kit import clock
from lowtato.kit.principal import Principal
from lowtato.profile.schemas import Onboarding, OnboardingDone
from lowtato.profile.service import owner
from lowtato.slots import service as slots

BRAND_FIELDS = ("brand_name", "topics", "what_do_you_do", "who_do_you_help")


async def onboard(session: AsyncSession, principal: Principal, data: Onboarding) -> OnboardingDone:
    platforms = list(dict.fromkeys(
        check_platform(p, f"platforms[{i}]") for i, p in enumerate(data.platforms)
    ))  # fmt: skip
    user = await owner(session, principal)
    await brand.update_kit(
        session, user.id, data.model_dump(include=data.model_fields_set & set(BRAND_FIELDS))
    )
    if data.timezone is not None:
        user.timezone = data.timezone
    if data.user_type is not None:
        user.user_type = data.user_type.value
    user.onboarding_completed = True
    user.updated_at = clock.now()
    planned = await slots.plan_frequency(session, principal, platforms, data.posting_frequency)
    return OnboardingDone(
        brand_name=data.brand_name,
        platforms=platforms,
        timezone=user.timezone,
        posting_frequency=data.posting_frequency,
        user_type=data.user_type,
        schedule_slots_created=len(planned),
        slots=[slots.slot_out(s) for s in planned],
    )
