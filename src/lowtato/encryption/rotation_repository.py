"""SQL of key rotation: find ciphertexts not under a key, swap one value atomically."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.encryption.columns import EncryptedColumn


def _stale(column: EncryptedColumn, key_id: str) -> Any:
    # Ciphertexts read "v1.<key id>.<body>" (kit/crypto): the prefix says which key made it.
    return column.value.is_not(None) & ~column.value.startswith(f"v1.{key_id}.", autoescape=True)


async def count_stale(session: AsyncSession, column: EncryptedColumn, key_id: str) -> int:
    stmt = select(func.count()).select_from(column.id.class_).where(_stale(column, key_id))
    return int(await session.scalar(stmt) or 0)


async def stale_batch(
    session: AsyncSession, column: EncryptedColumn, key_id: str, after: str, limit: int
) -> list[tuple[str, str]]:
    """Up to ``limit`` (id, ciphertext) not under ``key_id`` with id > ``after``, by id."""
    stmt = (
        select(column.id, column.value)
        .where(_stale(column, key_id), column.id > after)
        .order_by(column.id)
        .limit(limit)
    )
    return [(str(row_id), str(value)) for row_id, value in await session.execute(stmt)]


async def swap(
    session: AsyncSession, column: EncryptedColumn, row_id: str, old: str, new: str
) -> bool:
    """Replace ``old`` by ``new`` unless the row changed meanwhile (then it is left alone)."""
    result: CursorResult[Any] = await session.execute(  # type: ignore[assignment]
        update(column.id.class_)
        .where(column.id == row_id, column.value == old)
        .values({column.value.key: new})
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount) == 1
