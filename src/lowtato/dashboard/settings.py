"""/settings: API keys, profile, brand kit, plan and credits (the same services the API uses)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.auth import service as auth
from lowtato.auth.scopes import ALL_SCOPES
from lowtato.billing import credits
from lowtato.brand import service as brand
from lowtato.brand.schemas import BrandKitUpdate
from lowtato.dashboard.web import SignedIn, act, render, see_other, settings_of
from lowtato.errors import LowtatoError
from lowtato.profile import service as profile
from lowtato.profile.schemas import NotificationPreferences, ProfileUpdate

router = APIRouter(include_in_schema=False)
NOTIFICATIONS = {
    "email_post_published": "A post was published",
    "email_post_failed": "A post failed",
    "email_credits_low": "Credits are running low",
    "email_weekly_report": "Weekly report",
}


async def _page(request: Request, viewer: SignedIn, **extra: Any) -> Response:
    async with request.app.state.db.transaction(readonly=True) as session:
        context: dict[str, Any] = {
            "keys": await auth.list_keys(session, viewer.user_id),
            "profile": await profile.get_profile(session, viewer.principal),
            "brand": await brand.get_kit(session, viewer.principal),
            "credits": await credits.summary(session, viewer.user_id),
            "ledger": await credits.ledger(session, viewer.user_id),
        }
    return render(
        request,
        "settings.html",
        viewer,
        scopes=ALL_SCOPES,
        notifications=NOTIFICATIONS,
        public_url=settings_of(request).public_url,
        **context,
        **extra,
    )


@router.get("/settings")
async def settings_page(request: Request, viewer: SignedIn) -> Response:
    return await _page(request, viewer)


@router.post("/settings/keys")
async def create_key(
    request: Request,
    viewer: SignedIn,
    name: Annotated[str, Form()] = "",
    mode: Annotated[str, Form()] = "test",
    scopes: Annotated[list[str] | None, Form()] = None,
) -> Response:
    chosen = [s for s in scopes or () if s in ALL_SCOPES]
    try:
        async with request.app.state.db.transaction() as session:
            user = await auth.get_user(session, viewer.user_id)
            assert user is not None  # the session's owner; sessions go with their owner
            created = await auth.create_key(
                session,
                pepper=settings_of(request).resolved_secret_key,
                user=user,
                livemode=mode == "live",
                scopes=chosen,
                name=name.strip()[:200],
            )
    except LowtatoError as exc:
        return see_other("/settings", error=exc.message)
    # Rendered in this response, never stored: the key cannot be shown again.
    return await _page(request, viewer, new_key=created.plaintext, new_key_name=name)


@router.post("/settings/keys/{key_id}/revoke")
async def revoke_key(request: Request, viewer: SignedIn, key_id: str) -> Response:
    async def work(session: AsyncSession) -> str:
        key = await auth.revoke_key(session, key_id, owner_id=viewer.user_id)
        return f"Key {key.display} revoked; the API refuses it from now on."

    return await act(request, "/settings", work)


@router.post("/settings/profile")
async def update_profile(
    request: Request,
    viewer: SignedIn,
    display_name: Annotated[str, Form()] = "",
    timezone: Annotated[str, Form()] = "UTC",
    notify: Annotated[list[str] | None, Form()] = None,
) -> Response:
    async def work(session: AsyncSession) -> str:
        wanted = {name: name in (notify or ()) for name in NOTIFICATIONS}
        data = ProfileUpdate(
            display_name=display_name,
            timezone=timezone,
            notification_preferences=NotificationPreferences(**wanted),
        )
        await profile.update_profile(session, viewer.principal, data)
        return "Profile saved."

    return await act(request, "/settings", work)


@router.post("/settings/brand")
async def update_brand(request: Request, viewer: SignedIn) -> Response:
    form = await request.form()
    fields = ("brand_name", "brand_color", "tone", "website", "what_do_you_do", "who_do_you_help")

    async def work(session: AsyncSession) -> str:
        changes: dict[str, Any] = {f: str(form.get(f, "")).strip() or None for f in fields}
        topics = [t.strip() for t in str(form.get("topics", "")).split(",") if t.strip()]
        data = BrandKitUpdate.model_validate({**changes, "topics": topics or None})
        await brand.put_kit(session, viewer.principal, data)
        return "Brand kit saved."

    return await act(request, "/settings", work)
