"""``/api/v1/profile``."""

from __future__ import annotations

from fastapi import APIRouter

from lowtato.auth.deps import AccountsRead, AccountsWrite
from lowtato.kit.routing import JSONRoute
from lowtato.kit.schemas import Updated
from lowtato.kit.session import Session
from lowtato.profile import onboarding, service
from lowtato.profile.schemas import Onboarding, OnboardingDone, Profile, ProfileUpdate

router = APIRouter(prefix="/api/v1/profile", tags=["Profile"], route_class=JSONRoute)


@router.get("", summary="Get current user profile")
async def get_profile(principal: AccountsRead, session: Session) -> Profile:
    """The key owner's profile. Credits are decimal numbers (0.5 = half a credit)."""
    return await service.get_profile(session, principal)


@router.patch("", summary="Update profile")
async def update_profile(
    body: ProfileUpdate, principal: AccountsWrite, session: Session
) -> Updated:
    """Change `display_name`, `timezone` (IANA) or `notification_preferences`.

    Any other field is refused with 400 `validation_error` naming it; plan, credits, email
    and ids cannot be changed through the API.
    """
    await service.update_profile(session, principal, body)
    return Updated()


onboarding_router = APIRouter(prefix="/api/v1/onboarding", tags=["Onboarding"],
                              route_class=JSONRoute)  # fmt: skip


@onboarding_router.post("", summary="Complete onboarding in one call")
async def complete_onboarding(
    body: Onboarding, principal: AccountsWrite, session: Session
) -> OnboardingDone:
    """Sets the brand kit (`brand_name`, `topics`, `what_do_you_do`, `who_do_you_help`), the
    profile's `timezone` and `user_type`, marks onboarding completed, and replaces the
    recurring schedule slots (in this key's mode) with a plan for `platforms` at
    `posting_frequency`, on each platform's best times in that timezone. Calling it again
    replaces, never duplicates."""
    return await onboarding.onboard(session, principal, body)
