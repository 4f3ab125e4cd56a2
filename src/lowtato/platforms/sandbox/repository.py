"""SQL for the sandbox network's posts (the pretend platform's own table)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.kit.db import memo, required_memo
from lowtato.platforms.sandbox.models import SandboxPost

# A group of creates (one transaction, see network.SandboxNetwork) reads what all of them need
# up front into the transaction's memo (kit.db.memo); the functions below answer from it and
# keep it current as the group adds posts, so each create sees the ones before it.


async def get(session: AsyncSession, post_id: str) -> SandboxPost | None:
    reads = memo(session)
    if reads is not None and ("sandbox_post", post_id) in reads:
        found: SandboxPost | None = reads[("sandbox_post", post_id)]
        return found
    return await session.get(SandboxPost, post_id)


def add(session: AsyncSession, post: SandboxPost) -> None:
    session.add(post)
    reads = memo(session)
    if reads is not None:
        reads[("sandbox_post", post.id)] = post
        counted = ("sandbox_creates", post.request_post_id, post.platform)
        if counted in reads:
            reads[counted] += 1


async def creates(session: AsyncSession, request_post_id: str, platform: str | None = None) -> int:
    """How many posts creates for this request stored (on ``platform``, or any)."""
    reads = memo(session)
    counted = ("sandbox_creates", request_post_id, platform)
    if reads is not None and counted in reads:
        return int(reads[counted])
    stmt = select(func.count()).where(SandboxPost.request_post_id == request_post_id)
    if platform is not None:
        stmt = stmt.where(SandboxPost.platform == platform)
    return int(await session.scalar(stmt) or 0)


async def prepare_creates(
    session: AsyncSession, counted: Sequence[tuple[str, str]], keyed: Sequence[str]
) -> None:
    """For a group of creates, in two statements: how many posts each (request, platform)
    already has, and the posts stored under the keyed creates' ids (None when absent)."""
    reads = required_memo(session, "prepare_creates")
    if counted:
        rows = await session.execute(
            select(SandboxPost.request_post_id, SandboxPost.platform, func.count())
            .where(SandboxPost.request_post_id.in_(sorted({r for r, _ in counted})))
            .group_by(SandboxPost.request_post_id, SandboxPost.platform)
        )
        found = {(request, platform): n for request, platform, n in rows}
        for request, platform in counted:
            reads[("sandbox_creates", request, platform)] = found.get((request, platform), 0)
    if keyed:
        posts = await session.scalars(select(SandboxPost).where(SandboxPost.id.in_(keyed)))
        stored = {post.id: post for post in posts}
        for post_id in keyed:
            reads[("sandbox_post", post_id)] = stored.get(post_id)


async def live_by_author(
    session: AsyncSession, platform: str, author_id: str, text: str, since: datetime
) -> list[SandboxPost]:
    """The author's live posts with this text since ``since``, oldest first."""
    posts = await session.scalars(
        select(SandboxPost)
        .where(
            SandboxPost.platform == platform,
            SandboxPost.author_id == author_id,
            SandboxPost.text == text,
            SandboxPost.created_at >= since,
            SandboxPost.deleted_at.is_(None),
        )
        .order_by(SandboxPost.created_at, SandboxPost.id)
    )
    return list(posts)
