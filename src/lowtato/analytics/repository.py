"""SQL for metric snapshots and the sync's bookkeeping, and the reads of posts and accounts
analytics needs (their models, our queries). The owner's reads are scoped to one owner and
mode."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ScalarSelect, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.accounts.models import SocialAccount
from lowtato.analytics.models import MetricSnapshot, MetricSync
from lowtato.kit.repository import OwnedRepository
from lowtato.posts.models import Post, PostStatus


def _latest_capture() -> ScalarSelect[datetime]:
    """When the post in the outer query was last captured (one index lookup per post on
    ``ix_metric_snapshots_post_time``, on both engines)."""
    return (
        select(MetricSnapshot.captured_at)
        .where(MetricSnapshot.post_id == Post.id)
        .order_by(MetricSnapshot.captured_at.desc())
        .limit(1)
        .correlate(Post)
        .scalar_subquery()
    )


async def due_for_sync(
    session: AsyncSession, *, published_since: datetime, asked_before: datetime, limit: int
) -> list[tuple[Post, SocialAccount]]:
    """Published posts (any owner) with a platform id, published since ``published_since``,
    on an active account, never asked about or last asked before ``asked_before``: at most
    ``limit``, never-asked first, then the longest unasked."""
    rows = await session.execute(
        select(Post, SocialAccount)
        .join(SocialAccount, SocialAccount.id == Post.account_id)
        .outerjoin(MetricSync, MetricSync.post_id == Post.id)
        .where(
            Post.status == PostStatus.published,
            Post.platform_post_id.is_not(None),
            Post.published_at >= published_since,
            SocialAccount.is_active.is_(True),
            SocialAccount.deleted_at.is_(None),
            or_(MetricSync.attempted_at.is_(None), MetricSync.attempted_at < asked_before),
        )
        .order_by(
            MetricSync.attempted_at.is_not(None),
            MetricSync.attempted_at,
            Post.published_at,
            Post.id,
        )
        .limit(limit)
    )
    return [(post, account) for post, account in rows]


async def record_attempt(
    session: AsyncSession, post_id: str, at: datetime, error: str | None
) -> None:
    """Note that the platform was asked about the post at ``at`` (``error``: the platform
    error's code, None when a snapshot was stored)."""
    sync = await session.get(MetricSync, post_id, with_for_update=True)
    if sync is None:
        sync = MetricSync(post_id=post_id, failures=0)
        session.add(sync)
    sync.attempted_at = at
    sync.failures = 0 if error is None else sync.failures + 1
    sync.last_error = error


def add_snapshot(session: AsyncSession, snapshot: MetricSnapshot) -> None:
    session.add(snapshot)


class AnalyticsRepository(OwnedRepository[MetricSnapshot]):
    model = MetricSnapshot
    noun = "snapshot"

    async def history(self, post_id: str, limit: int) -> list[MetricSnapshot]:
        """The post's latest ``limit`` snapshots, oldest first."""
        rows = await self.session.scalars(
            self.scoped()
            .where(MetricSnapshot.post_id == post_id)
            .order_by(MetricSnapshot.captured_at.desc(), MetricSnapshot.id.desc())
            .limit(limit)
        )
        return list(reversed(list(rows)))

    async def published_with_latest(
        self, start: datetime, end: datetime, account_id: str | None
    ) -> list[tuple[Post, MetricSnapshot | None]]:
        """The owner's posts (this mode) published in ``[start, end]``, each with its latest
        snapshot (None when it has none), oldest first."""
        owner, livemode = self.principal.user_id, self.principal.livemode
        stmt = (
            select(Post, MetricSnapshot)
            .outerjoin(
                MetricSnapshot,
                and_(
                    MetricSnapshot.post_id == Post.id,
                    MetricSnapshot.owner_id == owner,
                    MetricSnapshot.livemode == livemode,
                    MetricSnapshot.captured_at == _latest_capture(),
                ),
            )
            .where(
                Post.owner_id == owner,
                Post.livemode == livemode,
                Post.status == PostStatus.published,
                Post.published_at >= start,
                Post.published_at <= end,
            )
            .order_by(Post.published_at, Post.id, MetricSnapshot.id)
        )
        if account_id is not None:
            stmt = stmt.where(Post.account_id == account_id)
        latest: dict[str, tuple[Post, MetricSnapshot | None]] = {}
        for post, snapshot in await self.session.execute(stmt):
            latest[post.id] = (post, snapshot)  # two captures at one instant: the later id
        return list(latest.values())
