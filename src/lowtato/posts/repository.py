"""SQL for posts, scoped to one owner and mode."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Exists, Select, String, and_, cast, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.jobs.models import Job
from lowtato.kit.repository import OwnedRepository
from lowtato.media.models import MediaFile
from lowtato.posts.models import Post, PostStatus, PublishState


class PostRepository(OwnedRepository[Post]):
    model = Post
    noun = "post"

    def filtered(
        self,
        *,
        statuses: Sequence[str] | None = None,
        account_id: str | None = None,
        time_from: datetime | None = None,
        time_to: datetime | None = None,
    ) -> Select[Post]:
        stmt = self.scoped()
        if statuses:
            stmt = stmt.where(Post.status.in_(list(statuses)))
        if account_id:
            stmt = stmt.where(Post.account_id == account_id)
        if time_from:
            stmt = stmt.where(Post.scheduled_time >= time_from)
        if time_to:
            stmt = stmt.where(Post.scheduled_time < time_to)
        return stmt

    async def page(
        self, stmt: Select[Post], *, limit: int, offset: int, by_schedule: bool = False
    ) -> tuple[list[Post], int]:
        order = (
            (Post.scheduled_time.asc(), Post.id.asc())
            if by_schedule
            else (Post.created_at.desc(), Post.id.desc())
        )
        rows = await self.session.execute(stmt.order_by(*order).limit(limit).offset(offset))
        return list(rows.scalars()), await self.count(stmt)

    async def scheduled_times(self, account_id: str) -> list[datetime]:
        """Times already taken by this account's scheduled posts (for useNextFreeSlot)."""
        stmt = self.filtered(statuses=["scheduled", "publishing"], account_id=account_id)
        return [
            p.scheduled_time
            for p in (await self.session.execute(stmt)).scalars()
            if p.scheduled_time
        ]

    async def for_account(self, account_id: str, statuses: Sequence[str]) -> list[Post]:
        stmt = self.filtered(statuses=statuses, account_id=account_id)
        return list((await self.session.execute(stmt)).scalars())


async def locked_post(session: AsyncSession, post_id: str) -> Post | None:
    """The post (any owner), its row held until the transaction ends."""
    return await session.scalar(select(Post).where(Post.id == post_id).with_for_update())


async def stuck(session: AsyncSession, cutoff: datetime, *, limit: int) -> list[Post]:
    """Posts (any owner, locked, skipping ones another sweep holds) past their time by
    ``cutoff`` — ``publishing`` since before it, or ``scheduled`` for before it — that no live
    job will settle: no pending/running publish job (reconcile job while ``unconfirmed``)."""
    live_job = and_(Job.status.in_(["pending", "running"]))
    rows = await session.scalars(
        select(Post)
        .outerjoin(
            Job,
            and_(
                live_job,
                or_(
                    and_(
                        Job.key == "publish:" + Post.id,
                        Post.publish_state.is_distinct_from(PublishState.unconfirmed),
                    ),
                    and_(
                        Job.key == "reconcile:" + Post.id,
                        Post.publish_state == PublishState.unconfirmed,
                    ),
                ),
            ),
        )
        .where(
            or_(
                and_(Post.status == PostStatus.publishing, Post.updated_at < cutoff),
                and_(Post.status == PostStatus.scheduled, Post.scheduled_time < cutoff),
            ),
            Job.id.is_(None),
        )
        .limit(limit)
        .with_for_update(of=Post, skip_locked=True)
    )
    return list(rows)


def _naming(media: type[MediaFile] | MediaFile) -> Select[str]:
    """Posts of the file's owner and mode whose media list names it. The id is part of every
    stored media URL; a LIKE over the JSON text can only over-match (``_`` is a wildcard),
    which keeps a file rather than deleting one still in use."""
    return (
        select(Post.id)
        .where(
            Post.owner_id == media.owner_id,
            Post.livemode == media.livemode,
            cast(Post.media_urls, String).contains(media.id),
        )
        .correlate_except(Post)
    )


class MediaUse:
    """The posts domain's answer to ``media.ports.MediaReferences``: which posts name a file."""

    async def unpublished_users(self, session: AsyncSession, media: MediaFile) -> list[str]:
        unpublished = [PostStatus.draft, PostStatus.scheduled, PostStatus.publishing]
        rows = await session.scalars(_naming(media).where(Post.status.in_(unpublished)))
        return list(rows)

    def used(self) -> Exists:
        return _naming(MediaFile).exists()


MEDIA_USE = MediaUse()
