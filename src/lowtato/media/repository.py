"""SQL for media files: owner + mode scoped for the API, unscoped only where a caller holds
something better than an API key (the public URL's token, a post's owner, housekeeping)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Exists, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.kit.repository import OwnedRepository
from lowtato.media.models import MediaFile


class MediaRepository(OwnedRepository[MediaFile]):
    model = MediaFile
    noun = "media"

    async def many(self, ids: Collection[str]) -> dict[str, MediaFile]:
        rows = await self.session.scalars(self.scoped().where(MediaFile.id.in_(list(ids))))
        return {row.id: row for row in rows}

    async def mark_used(self, ids: Collection[str], at: datetime) -> int:
        """Move ``last_used_at`` forward; returns how many rows still existed. On PostgreSQL the
        row locks this takes make orphan clean-up skip (or wait for) these files."""
        result = await self.session.execute(
            update(MediaFile)
            .where(
                MediaFile.id.in_(list(ids)),
                MediaFile.owner_id == self.principal.user_id,
                MediaFile.livemode == self.principal.livemode,
            )
            .values(last_used_at=at)
            .returning(MediaFile.id)
            .execution_options(synchronize_session=False)
        )
        return len(result.all())


async def by_token(session: AsyncSession, token: str) -> MediaFile | None:
    """The file a public URL names (the token is the credential)."""
    found: MediaFile | None = await session.scalar(
        select(MediaFile).where(MediaFile.token == token)
    )
    return found


async def for_owner(
    session: AsyncSession, owner_id: str, livemode: bool, ids: Collection[str]
) -> dict[str, MediaFile]:
    """Files of one owner and mode (the publish flow, which acts for a post's owner)."""
    if not ids:
        return {}
    rows = await session.scalars(
        select(MediaFile).where(
            MediaFile.owner_id == owner_id,
            MediaFile.livemode == livemode,
            MediaFile.id.in_(list(ids)),
        )
    )
    return {row.id: row for row in rows}


async def delete_orphans(
    session: AsyncSession, *, used: Exists, unused_since: datetime, limit: int
) -> list[str]:
    """Delete up to ``limit`` files no post refers to (``used``, correlated with
    ``MediaFile``, is false) and not used since ``unused_since``; returns their storage keys.
    Rows another transaction is marking as used are skipped."""
    stmt = (
        select(MediaFile.id, MediaFile.storage_key)
        .where(MediaFile.last_used_at < unused_since, ~used)
        .order_by(MediaFile.last_used_at)
        .limit(limit)
        .with_for_update(skip_locked=True, of=MediaFile)
    )
    rows = (await session.execute(stmt)).all()
    if rows:
        await session.execute(
            delete(MediaFile)
            .where(MediaFile.id.in_([row.id for row in rows]))
            .execution_options(synchronize_session=False)
        )
    return [row.storage_key for row in rows]
