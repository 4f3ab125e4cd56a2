"""The database round trip the health check makes."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


async def ping(engine: AsyncEngine) -> None:
    """One trivial query on a fresh connection (the pool's, not a session's)."""
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
