"""SQL for posts, scoped to one owner and mode."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Exists, Select, String, and_, bindparam, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.jobs.models import Job
from lowtato.kit.db import memo, required_memo
from lowtato.kit.fastread import FastReads, Row
from lowtato.kit.principal import Principal
from lowtato.kit.repository import OwnedRepository
from lowtato.media.models import MediaFile
from lowtato.posts.models import Post, PostFilter, PostStatus, PublishState


def _matching(
    stmt: Select[Any], statuses: list[Any], account: Any, time_from: Any, time_to: Any
) -> Select[Any]:
    """A listing's conditions, each left out when None (or no statuses): values, or bound
    parameters for a prebuilt query."""
    if statuses:
        stmt = stmt.where(Post.status.in_(statuses))
    if account is not None:
        stmt = stmt.where(Post.account_id == account)
    if time_from is not None:
        stmt = stmt.where(Post.scheduled_time >= time_from)
    if time_to is not None:
        stmt = stmt.where(Post.scheduled_time < time_to)
    return stmt


_SCHEDULE_ORDER = (Post.scheduled_time.asc(), Post.id.asc())
_NEWEST_FIRST = (Post.created_at.desc(), Post.id.desc())


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
        return _matching(
            self.scoped(), list(statuses or ()), account_id or None, time_from, time_to
        )

    @classmethod
    async def read_page(
        cls,
        reads: FastReads,
        principal: Principal,
        matching: PostFilter,
        *,
        limit: int,
        offset: int,
        by_schedule: bool,
    ) -> tuple[list[Row], int]:
        """A page of the matching posts and how many match in all, on the fast read path
        (``kit.fastread``). Two statements: counting in the page query (``count(*) OVER
        ()``) would load and sort every matching row, not just the page."""
        statuses = list(matching.statuses)
        account_id, time_from, time_to = matching.account_id, matching.time_from, matching.time_to
        shape = (len(statuses), bool(account_id), bool(time_from), bool(time_to), by_schedule)

        def where(stmt: Select[Any]) -> Select[Any]:
            return _matching(
                stmt,
                [bindparam(f"s{i}") for i in range(shape[0])],
                bindparam("account") if account_id else None,
                bindparam("time_from") if time_from else None,
                bindparam("time_to") if time_to else None,
            )

        def paged(stmt: Select[Any]) -> Select[Any]:
            order = _SCHEDULE_ORDER if by_schedule else _NEWEST_FIRST
            return (
                where(stmt).order_by(*order).limit(bindparam("limit")).offset(bindparam("offset"))
            )

        def counted(stmt: Select[Any]) -> Select[Any]:
            return where(stmt).with_only_columns(
                func.count().label("matching"), maintain_column_froms=True
            )

        values = {
            **cls.owner_values(principal),
            **{f"s{i}": str(status) for i, status in enumerate(statuses)},
            "account": account_id, "time_from": time_from, "time_to": time_to,
            "limit": limit, "offset": offset,
        }  # fmt: skip
        queries = [cls.read_query(f"page{shape}", paged), cls.read_query(f"count{shape}", counted)]
        rows, (total,) = await reads.each(queries, values)
        return rows, int(total.matching)

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
    """The post (any owner), its row held until the transaction ends (already held when
    ``lock_posts`` took it in this transaction)."""
    reads = memo(session)
    if reads is not None and ("locked_post", post_id) in reads:
        found: Post | None = reads[("locked_post", post_id)]
        return found
    return await session.scalar(select(Post).where(Post.id == post_id).with_for_update())


async def lock_posts(session: AsyncSession, post_ids: Sequence[str]) -> None:
    """Lock these posts in one statement (in id order, as every batch does, so two batches
    never wait on each other in a cycle); ``locked_post`` then answers from the transaction's
    memo. For group commits, which start one."""
    reads = required_memo(session, "lock_posts")
    ids = sorted(set(post_ids))
    rows = await session.scalars(
        select(Post).where(Post.id.in_(ids)).order_by(Post.id).with_for_update()
    )
    found = {post.id: post for post in rows}
    for post_id in ids:
        reads[("locked_post", post_id)] = found.get(post_id)


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
