"""SQL of the key fingerprint row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.encryption.models import KeyCanary
from lowtato.kit import clock

CANARY_ID = "primary"


async def get(session: AsyncSession) -> KeyCanary | None:
    stmt = (
        select(KeyCanary).where(KeyCanary.id == CANARY_ID).execution_options(populate_existing=True)
    )
    return (await session.scalars(stmt)).one_or_none()


async def insert_if_absent(session: AsyncSession, *, key_id: str, ciphertext: str) -> bool:
    """Store the fingerprint unless one exists; True if this call stored it.

    Two processes starting on an empty database race here: exactly one insert wins.
    """
    now = clock.now()
    dialect: Any = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = (
        dialect.insert(KeyCanary)
        .values(id=CANARY_ID, key_id=key_id, ciphertext=ciphertext, created_at=now, updated_at=now)
        .on_conflict_do_nothing(index_elements=[KeyCanary.id])
        .returning(KeyCanary.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def replace(session: AsyncSession, *, key_id: str, ciphertext: str) -> None:
    """Point the fingerprint at another key (the end of a rotation)."""
    if not await insert_if_absent(session, key_id=key_id, ciphertext=ciphertext):
        await session.execute(
            update(KeyCanary)
            .where(KeyCanary.id == CANARY_ID)
            .values(key_id=key_id, ciphertext=ciphertext, updated_at=clock.now())
        )
