"""/posts: the list, a week calendar, compose, cancel and reschedule."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.accounts import service as accounts
from lowtato.dashboard.web import SignedIn, act, plain_errors, render, see_other, settings_of
from lowtato.errors import LowtatoError, ValidationFailed
from lowtato.kit import clock
from lowtato.kit.tz import validate_timezone
from lowtato.posts import service as posts
from lowtato.posts.models import PostFilter
from lowtato.posts.schemas import PostDraft, PostOut, ScheduleUpdate
from lowtato.slots import service as slots

router = APIRouter(include_in_schema=False)
LISTED = 50


async def _zone(request: Request, viewer: SignedIn) -> ZoneInfo:
    async with request.app.state.db.transaction(readonly=True) as session:
        return validate_timezone(await slots.owner_timezone(session, viewer.principal))


def _week_start(raw: str, zone: ZoneInfo) -> date:
    try:
        day = date.fromisoformat(raw) if raw else clock.now().astimezone(zone).date()
    except ValueError:
        day = clock.now().astimezone(zone).date()
    return day - timedelta(days=day.weekday())  # weeks start on Monday


def _local(value: str | None, zone: ZoneInfo) -> datetime | None:
    return datetime.fromisoformat(value).astimezone(zone) if value else None


def parse_local(value: str, zone: ZoneInfo, field: str) -> datetime:
    """A ``datetime-local`` form value, in the owner's timezone, as UTC."""
    try:
        naive = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed.field(field, "pick a date and a time") from exc
    return naive.replace(tzinfo=zone).astimezone(UTC)


@router.get("/posts")
async def posts_page(request: Request, viewer: SignedIn, week: str = "") -> Response:
    principal, reads = viewer.principal, request.app.state.db.reads
    zone = await _zone(request, viewer)
    start = _week_start(week, zone)
    begin = datetime.combine(start, datetime.min.time(), zone).astimezone(UTC)
    rows, meta = await posts.list_posts(reads, principal, PostFilter(), limit=LISTED, offset=0)
    in_week, _ = await posts.list_posts(
        reads,
        principal,
        PostFilter(time_from=begin, time_to=begin + timedelta(days=7)),
        limit=100,
        offset=0,
        by_schedule=True,
    )
    days: list[tuple[date, list[tuple[datetime, PostOut]]]] = []
    for offset in range(7):
        day = start + timedelta(days=offset)
        entries = []
        for out in (posts.post_out(r) for r in in_week):
            when = _local(out.scheduled_time or out.published_at, zone)
            if when is not None and when.date() == day:
                entries.append((when, out))
        days.append((day, sorted(entries, key=lambda e: e[0])))
    names = {
        a.id: f"{a.platform} @{a.username}" for a in await accounts.list_accounts(reads, principal)
    }
    return render(
        request,
        "posts.html",
        viewer,
        posts=[posts.post_out(r) for r in rows],
        total=meta.count,
        days=days,
        zone=str(zone),
        previous_week=(start - timedelta(days=7)).isoformat(),
        next_week=(start + timedelta(days=7)).isoformat(),
        account_names=names,
        local=lambda value: _local(value, zone),
    )


async def _compose(
    request: Request, viewer: SignedIn, status: int = 200, **values: Any
) -> Response:
    listed = await accounts.list_accounts(request.app.state.db.reads, viewer.principal)
    return render(
        request,
        "compose.html",
        viewer,
        status,
        accounts=[a for a in listed if a.is_active],
        zone=str(await _zone(request, viewer)),
        values=values,
    )


@router.get("/posts/new")
async def compose_page(request: Request, viewer: SignedIn) -> Response:
    return await _compose(request, viewer)


@router.post("/posts")
async def create_post(
    request: Request,
    viewer: SignedIn,
    *,
    account_id: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
    media_urls: Annotated[str, Form()] = "",
    when: Annotated[str, Form()] = "slot",
    scheduled_time: Annotated[str, Form()] = "",
) -> Response:
    state = request.app.state
    values = {"account_id": account_id, "text": text, "media_urls": media_urls, "when": when,
              "scheduled_time": scheduled_time}  # fmt: skip
    try:
        scheduled = (
            parse_local(scheduled_time, await _zone(request, viewer), "scheduled_time")
            if when == "time"
            else None
        )
        draft = PostDraft(
            account_id=account_id,
            text=text,
            media_urls=[u.strip() for u in media_urls.splitlines() if u.strip()],
            scheduled_time=scheduled,
            use_next_free_slot=when == "slot",
        )
        outcome = await posts.create_post_once(state.db, settings_of(request), viewer.principal,
                                               draft, None)  # fmt: skip
    except LowtatoError as exc:
        return await _compose(request, viewer, exc.status, problem=exc.message, **values)
    except ValidationError as exc:
        return await _compose(request, viewer, 400, problem=plain_errors(exc), **values)
    body = outcome.body
    return see_other("/posts", notice=f"Post {body['id']} is {body['status']}.")


@router.post("/posts/{post_id}/cancel")
async def cancel(request: Request, viewer: SignedIn, post_id: str) -> Response:
    async def work(session: AsyncSession) -> str:
        await posts.delete_post(session, viewer.principal, post_id)
        return f"Post {post_id} cancelled; it will not be published."

    return await act(request, "/posts", work)


@router.post("/posts/{post_id}/reschedule")
async def reschedule(
    request: Request, viewer: SignedIn, post_id: str, scheduled_time: Annotated[str, Form()] = ""
) -> Response:
    zone = await _zone(request, viewer)

    async def work(session: AsyncSession) -> str:
        when = parse_local(scheduled_time, zone, "scheduled_time")
        update = ScheduleUpdate(scheduled_time=when)
        await posts.update_schedule(session, settings_of(request), viewer.principal, post_id,
                                    update)  # fmt: skip
        return f"Post {post_id} moved to {scheduled_time.replace('T', ' ')} ({zone})."

    return await act(request, "/posts", work)
