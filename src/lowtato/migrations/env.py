"""Alembic environment: runs the migrations over an async engine (SQLite or PostgreSQL)."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

from lowtato.kit.db import create_engine
from lowtato.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # SQLite changes a table by rebuilding it (copy, drop, rename). With foreign keys on,
        # dropping a parent such as `users` deletes every child row through ON DELETE CASCADE,
        # so, as SQLite's own procedure says, they are off during the migration. The pragma is
        # a no-op inside a transaction: it goes to the driver before the first BEGIN. This
        # engine is disposed after the run, so no other work sees the connection like this.
        cursor = connection.connection.cursor()
        cursor.execute("PRAGMA foreign_keys=OFF")
        cursor.close()
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=sqlite,  # SQLite needs table rebuilds
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                msg = f"the migration left rows whose foreign keys point nowhere: {broken[:5]}"
                raise RuntimeError(msg)


async def _online() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    async with engine.connect() as conn:
        await conn.run_sync(_run)
        await conn.commit()
    await engine.dispose()


def run() -> Any:
    if context.is_offline_mode():
        context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return None
    return asyncio.run(_online())


run()
