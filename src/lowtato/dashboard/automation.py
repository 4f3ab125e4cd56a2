"""/slots (recurring posting times) and /webhooks (endpoints, secrets, delivery log)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.accounts import service as accounts
from lowtato.dashboard.web import SignedIn, act, plain_errors, render, see_other
from lowtato.errors import LowtatoError
from lowtato.platforms.names import PLATFORMS
from lowtato.slots import service as slots
from lowtato.slots.schemas import AutoConfigure, SlotIn, SlotsCreate
from lowtato.webhooks import service as webhooks
from lowtato.webhooks.schemas import SUBSCRIBABLE, WebhookCreate

router = APIRouter(include_in_schema=False)
DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
DELIVERIES_SHOWN = 20


@router.get("/slots")
async def slots_page(request: Request, viewer: SignedIn) -> Response:
    principal = viewer.principal
    listed = await accounts.list_accounts(request.app.state.db.reads, principal)
    async with request.app.state.db.transaction(readonly=True) as session:
        rows = await slots.list_slots(session, principal)
        zone = await slots.owner_timezone(session, principal)
    return render(
        request,
        "slots.html",
        viewer,
        slots=sorted(rows, key=lambda s: (s.day, s.hour, s.minute)),
        days=DAYS,
        accounts={a.id: f"{a.platform} @{a.username}" for a in listed},
        platforms=PLATFORMS,
        zone=zone,
    )


@router.post("/slots")
async def add_slot(
    request: Request,
    viewer: SignedIn,
    *,
    day: Annotated[int, Form()] = 1,
    hour: Annotated[int, Form()] = 9,
    minute: Annotated[int, Form()] = 0,
    account_id: Annotated[str, Form()] = "",
) -> Response:
    async def work(session: AsyncSession) -> str:
        item = SlotIn(day=day, hour=hour, minute=minute,
                      selectedTargets=[account_id] if account_id else [])  # fmt: skip
        await slots.create_slots(session, viewer.principal, SlotsCreate(slots=[item]))
        return f"Slot added: {DAYS[day]} {hour:02d}:{minute:02d}."

    return await act(request, "/slots", work)


@router.post("/slots/{slot_id}/remove")
async def remove_slot(request: Request, viewer: SignedIn, slot_id: str) -> Response:
    async def work(session: AsyncSession) -> str:
        await slots.delete_slot(session, viewer.principal, slot_id)
        return "Slot removed."

    return await act(request, "/slots", work)


@router.post("/slots/auto")
async def auto_configure(
    request: Request,
    viewer: SignedIn,
    *,
    platforms: Annotated[list[str] | None, Form()] = None,
    posts_per_day: Annotated[int, Form()] = 1,
    timezone: Annotated[str, Form()] = "",
    include_weekends: Annotated[bool, Form()] = False,
) -> Response:
    async def work(session: AsyncSession) -> str:
        body = AutoConfigure(
            platforms=platforms or [],
            posts_per_day=posts_per_day,
            timezone=timezone or None,
            include_weekends=include_weekends,
        )
        done = await slots.auto_configure(session, viewer.principal, body)
        return f"{done.slots_created} slots set up (they replace the earlier ones)."

    return await act(request, "/slots", work)


def webhook_config(request: Request) -> webhooks.Config:
    state = request.app.state
    return webhooks.Config(
        keyring=state.keyring,
        allow_private=state.settings.allow_private_urls,
        resolver=state.url_resolver,
    )


async def _webhooks_page(request: Request, viewer: SignedIn, **extra: Any) -> Response:
    principal = viewer.principal
    shown = []
    async with request.app.state.db.transaction(readonly=True) as session:
        for hook in await webhooks.list_webhooks(session, principal):
            log, _ = await webhooks.list_deliveries(
                session, principal, hook.id, statuses=None, limit=DELIVERIES_SHOWN, offset=0
            )
            shown.append((webhooks.webhook_out(hook), [webhooks.delivery_out(d) for d in log]))
    return render(request, "webhooks.html", viewer, webhooks=shown, events=SUBSCRIBABLE, **extra)


@router.get("/webhooks")
async def webhooks_page(request: Request, viewer: SignedIn) -> Response:
    return await _webhooks_page(request, viewer)


@router.post("/webhooks")
async def add_webhook(
    request: Request,
    viewer: SignedIn,
    url: Annotated[str, Form()] = "",
    chosen: Annotated[list[str] | None, Form(alias="events")] = None,
) -> Response:
    try:
        body = WebhookCreate(url=url, events=chosen or [])
        outcome = await webhooks.create_webhook_once(
            request.app.state.db, viewer.principal, webhook_config(request), body, None
        )
    except LowtatoError as exc:
        return see_other("/webhooks", error=exc.message)
    except ValidationError as exc:
        return see_other("/webhooks", error=plain_errors(exc))
    secret = str(outcome.body["secret"])
    return await _webhooks_page(request, viewer, new_secret=secret, new_for=url)


@router.post("/webhooks/{webhook_id}/rotate")
async def rotate(request: Request, viewer: SignedIn, webhook_id: str) -> Response:
    try:
        async with request.app.state.db.transaction() as session:
            hook, secret = await webhooks.rotate_secret(
                session, viewer.principal, webhook_config(request), webhook_id
            )
    except LowtatoError as exc:
        return see_other("/webhooks", error=exc.message)
    return await _webhooks_page(request, viewer, new_secret=secret, new_for=hook.url)


@router.post("/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver")
async def redeliver(
    request: Request, viewer: SignedIn, webhook_id: str, delivery_id: str
) -> Response:
    async def work(session: AsyncSession) -> str:
        again = await webhooks.redeliver(session, viewer.principal, webhook_id, delivery_id)
        return f"Delivery queued again as {again.id}."

    return await act(request, "/webhooks", work)
