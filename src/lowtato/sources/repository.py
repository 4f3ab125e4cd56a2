"""SQL for sources. Requests use the owner+mode scoped repository; the extraction job and
``read_for_generation`` (called by another domain with an owner, not a key) use the plain
functions, which take the owner or the row id explicitly."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.kit.repository import OwnedRepository
from lowtato.sources.models import Source


class SourceRepository(OwnedRepository[Source]):
    model = Source
    noun = "source"


async def owned_source(
    session: AsyncSession, *, owner_id: str, livemode: bool, source_id: str
) -> Source | None:
    stmt = select(Source).where(
        Source.id == source_id, Source.owner_id == owner_id, Source.livemode == livemode
    )
    found: Source | None = (await session.execute(stmt)).scalar_one_or_none()
    return found


async def source_for_update(session: AsyncSession, source_id: str) -> Source | None:
    stmt = select(Source).where(Source.id == source_id).with_for_update()
    found: Source | None = (
        await session.execute(stmt.execution_options(populate_existing=True))
    ).scalar_one_or_none()
    return found
