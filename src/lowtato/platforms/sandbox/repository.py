"""SQL for the sandbox network's posts (the pretend platform's own table)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.platforms.sandbox.models import SandboxPost


async def get(session: AsyncSession, post_id: str) -> SandboxPost | None:
    return await session.get(SandboxPost, post_id)


def add(session: AsyncSession, post: SandboxPost) -> None:
    session.add(post)


async def creates(session: AsyncSession, request_post_id: str, platform: str | None = None) -> int:
    """How many posts creates for this request stored (on ``platform``, or any)."""
    stmt = select(func.count()).where(SandboxPost.request_post_id == request_post_id)
    if platform is not None:
        stmt = stmt.where(SandboxPost.platform == platform)
    return int(await session.scalar(stmt) or 0)


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
