"""SQL for idempotency records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.idempotency.models import IdempotencyRecord, IdempotencyState


async def find(
    session: AsyncSession, *, owner_id: str, livemode: bool, method: str, path: str, key: str
) -> IdempotencyRecord | None:
    stmt = select(IdempotencyRecord).where(
        IdempotencyRecord.owner_id == owner_id,
        IdempotencyRecord.livemode == livemode,
        IdempotencyRecord.method == method,
        IdempotencyRecord.path == path,
        IdempotencyRecord.key == key,
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def remove(session: AsyncSession, record_id: str) -> None:
    # A statement, not session.delete: a concurrent request removing it too must not turn
    # into a stale-row error.
    await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id))


def add(session: AsyncSession, record: IdempotencyRecord) -> None:
    session.add(record)


async def complete(
    session: AsyncSession,
    claim_id: str,
    *,
    now: datetime,
    expires_at: datetime,
    status: int,
    body: dict[str, Any],
) -> bool:
    """Store the response on a claim that is still live and ``in_flight``; False if it is not."""
    result = await session.execute(
        update(IdempotencyRecord)
        .where(
            IdempotencyRecord.id == claim_id,
            IdempotencyRecord.state == IdempotencyState.in_flight,
            IdempotencyRecord.expires_at > now,
        )
        .values(
            state=IdempotencyState.done,
            response_status=status,
            response_body=body,
            expires_at=expires_at,
        )
        .returning(IdempotencyRecord.id)
    )
    return result.scalar_one_or_none() is not None


async def release(session: AsyncSession, claim_id: str) -> None:
    await session.execute(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.id == claim_id, IdempotencyRecord.state == IdempotencyState.in_flight
        )
    )


async def prune(session: AsyncSession, now: datetime) -> int:
    result = await session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
