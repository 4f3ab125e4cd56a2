"""The writers of one process take turns on a SQLite file (``kit.db.SqliteWriters``): each
waits in an asyncio queue from its first statement, not asleep in SQLite's busy handler."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from lowtato.kit.db import Database


async def _database(tmp_path: Path, **options: float) -> Database:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'writers.db'}", **options)  # type: ignore[arg-type]
    async with db.transaction() as session:
        await session.execute(text("CREATE TABLE t (n INTEGER)"))
    return db


async def test_waiting_writers_queue_here_not_in_sqlite(tmp_path: Path) -> None:
    db = await _database(tmp_path)
    begun: list[str] = []  # each BEGIN IMMEDIATE sent to SQLite, as it is sent

    def sent(_c: object, _cur: object, statement: str, *_: object) -> None:
        if statement == "BEGIN IMMEDIATE":
            begun.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", sent)
    entered: list[int] = []
    first_in, release = asyncio.Event(), asyncio.Event()

    async def writer(n: int) -> None:
        async with db.transaction() as session:
            await session.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
            entered.append(n)
            if n == 0:
                first_in.set()
                await release.wait()

    holder = asyncio.create_task(writer(0))
    await first_in.wait()
    waiting = [asyncio.create_task(writer(n)) for n in range(1, 21)]
    await asyncio.sleep(0.3)  # long enough for every waiting writer to have asked
    try:
        assert entered == [0]
        # Nobody else sent BEGIN IMMEDIATE to sleep on SQLite's busy handler meanwhile.
        assert len(begun) == 1
        release.set()
        await asyncio.gather(holder, *waiting)
        assert sorted(entered) == list(range(21))
        assert len(begun) == 21
        async with db.transaction(readonly=True) as session:
            assert (await session.execute(text("SELECT count(*) FROM t"))).scalar_one() == 21
    finally:
        release.set()
        await asyncio.gather(holder, *waiting, return_exceptions=True)
        await db.dispose()


async def test_work_before_the_first_statement_holds_no_turn(tmp_path: Path) -> None:
    """An endpoint's session opens before its handler runs; a check done before the first
    statement (counting a long text) must not keep other writers waiting."""
    db = await _database(tmp_path, busy_timeout=0.3)
    opened, release = asyncio.Event(), asyncio.Event()

    async def slow_start() -> None:
        async with db.transaction() as session:
            opened.set()
            await release.wait()  # no statement yet
            await session.execute(text("INSERT INTO t VALUES (2)"))

    starting = asyncio.create_task(slow_start())
    await opened.wait()
    try:
        async with db.transaction() as session:
            await session.execute(text("INSERT INTO t VALUES (1)"))
        release.set()
        await starting
        async with db.transaction(readonly=True) as session:
            rows = (await session.execute(text("SELECT n FROM t ORDER BY n"))).scalars().all()
        assert rows == [1, 2]
    finally:
        release.set()
        await asyncio.gather(starting, return_exceptions=True)
        await db.dispose()


async def test_a_writer_waits_no_longer_than_the_busy_timeout(tmp_path: Path) -> None:
    db = await _database(tmp_path, busy_timeout=0.3)
    holding, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with db.transaction() as session:
            await session.execute(text("INSERT INTO t VALUES (1)"))
            holding.set()
            await release.wait()

    holder = asyncio.create_task(hold())
    await holding.wait()
    try:
        # What SQLite itself raises after its busy timeout: the API turns it into a 503.
        with pytest.raises(OperationalError) as refused:
            async with db.transaction() as session:
                await session.execute(text("INSERT INTO t VALUES (2)"))
        assert "database is locked" in str(refused.value.orig)
        release.set()
        await holder
        async with db.transaction() as session:  # the queue is free again
            await session.execute(text("INSERT INTO t VALUES (3)"))
        async with db.transaction(readonly=True) as session:
            rows = (await session.execute(text("SELECT n FROM t ORDER BY n"))).scalars().all()
        assert rows == [1, 3]
    finally:
        release.set()
        await holder
        await db.dispose()
