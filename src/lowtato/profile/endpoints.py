"""``/api/v1/profile``."""

from __future__ import annotations

from fastapi import APIRouter

from lowtato.auth.deps import AccountsRead, AccountsWrite
from lowtato.kit.routing import JSONRoute
from lowtato.kit.session import Session
from lowtato.profile import service
from lowtato.profile.schemas import Profile, ProfileUpdate, Updated

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
