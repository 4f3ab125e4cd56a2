"""``/api/v1/schedules`` — the contract's view of scheduled posts (same rows as posts)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from lowtato.auth.deps import PostsRead, PostsWrite
from lowtato.kit.params import Limit, Offset
from lowtato.kit.routing import JSONRoute
from lowtato.kit.schemas import Deleted
from lowtato.kit.session import Reads, Session
from lowtato.posts import service
from lowtato.posts.models import PostFilter, PostStatus
from lowtato.posts.schemas import (
    PostOut,
    PostUpdated,
    ScheduledPostSummary,
    ScheduleList,
    ScheduleUpdate,
)

router = APIRouter(prefix="/api/v1/schedules", tags=["Schedules"], route_class=JSONRoute)


@router.get("", summary="List scheduled posts")
async def list_schedules(
    principal: PostsRead,
    reads: Reads,
    limit: Limit = 20,
    offset: Offset = 0,
) -> ScheduleList:
    """Posts waiting to publish, soonest first; `meta.count` is the total."""
    posts, meta = await service.list_posts(
        reads, principal, PostFilter(statuses=[PostStatus.scheduled]),
        limit=limit, offset=offset, by_schedule=True,
    )  # fmt: skip
    return ScheduleList(
        scheduledPosts=[
            ScheduledPostSummary(
                id=p.id,
                content_text=p.content_text,
                target_type=p.platform,
                social_account_id=p.account_id,
                scheduled_time=service.post_out(p).scheduled_time,
                status=p.status,
            )
            for p in posts
        ],
        meta=meta,
    )


@router.get("/{schedule_id}", summary="Get a scheduled post")
async def get_schedule(schedule_id: str, principal: PostsRead, reads: Reads) -> PostOut:
    """The full post object (any status)."""
    return service.post_out(await service.read_post(reads, principal, schedule_id))


@router.patch("/{schedule_id}", summary="Update a scheduled post")
async def update_schedule(
    schedule_id: str,
    body: ScheduleUpdate,
    principal: PostsWrite,
    session: Session,
    request: Request,
) -> PostUpdated:
    """Change `content_text`, `scheduled_time` (future, with timezone), `media_urls` or
    `options`; the result is revalidated. Publishing or published posts → 409 `conflict`.
    `warnings` says what will still fail at publish time."""
    # Before the request's session runs its first statement, so before its write lock.
    await service.precheck_update(request.app.state.db, principal, schedule_id, body)
    settings = request.app.state.settings
    return await service.update_schedule(session, settings, principal, schedule_id, body)


@router.delete("/{schedule_id}", summary="Delete a scheduled post")
async def delete_schedule(schedule_id: str, principal: PostsWrite, session: Session) -> Deleted:
    """Cancels its publish job. Publishing or published posts → 409 `conflict`."""
    await service.delete_post(session, principal, schedule_id)
    return Deleted()
