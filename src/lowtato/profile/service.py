"""Reading and changing the caller's own profile."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.accounts.service import count_accounts
from lowtato.auth.models import User
from lowtato.auth.service import get_user
from lowtato.errors import NotFound
from lowtato.kit import clock
from lowtato.kit.principal import Principal
from lowtato.plans import PLANS, PlanName, credits_out
from lowtato.profile.schemas import Profile, ProfileUpdate


async def owner(session: AsyncSession, principal: Principal) -> User:
    user = await get_user(session, principal.user_id)
    if user is None:  # the key outlived its owner (deleted between cache and read)
        raise NotFound("The owner of this key no longer exists.")
    return user


async def get_profile(session: AsyncSession, principal: Principal) -> Profile:
    user = await owner(session, principal)
    return Profile(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        plan=user.plan,
        credits_balance=credits_out(user.credits_balance),
        credits_monthly_allocation=credits_out(PLANS[PlanName(user.plan)].monthly_credits),
        timezone=user.timezone,
        language=user.language,
        notification_preferences=dict(user.notification_preferences or {}),
        onboarding_completed=user.onboarding_completed,
        user_type=user.user_type,
        account_count=await count_accounts(session, principal),
        created_at=clock.iso(user.created_at) or "",
    )


async def update_profile(session: AsyncSession, principal: Principal, data: ProfileUpdate) -> None:
    user = await owner(session, principal)
    if data.display_name is not None:
        user.display_name = data.display_name
    if data.timezone is not None:
        user.timezone = data.timezone
    if data.notification_preferences is not None:
        merged = dict(user.notification_preferences or {})
        merged.update(data.notification_preferences.model_dump(exclude_none=True))
        user.notification_preferences = merged
    user.updated_at = clock.now()
