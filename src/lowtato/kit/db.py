"""Database engine, sessions and the declarative base shared by every domain's models.

SQLite (embedded default) runs in WAL mode with a busy timeout so the API and the embedded
worker can share the file; PostgreSQL is the scale-out engine. Services never commit: the
request (``session`` dependency) or the job runner owns the transaction.

A writing transaction must never wait on the network: on SQLite it holds the database's only
write lock, on PostgreSQL its row locks, for as long as the slowest platform takes. Call
platforms, webhooks and media hosts between transactions; ``write_transaction_open()`` lets the
test suite fail any outbound call made inside one.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, MetaData, TypeDecorator, event
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import NullPool
from sqlalchemy.util import await_only

from lowtato.kit.fastread import FastReads
from lowtato.kit.files import private_file, sqlite_path
from lowtato.kit.inline_sqlite import inline_connect

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both engines (SQLite has no timezone type)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            msg = "naive datetime given to a UTC column"
            raise ValueError(msg)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_check(column: str, values: type[StrEnum]) -> CheckConstraint:
    """``column IN (...)`` over every value of ``values``, named ``ck_<table>_<column>``.

    The database refuses a status the code does not know (a typo, a value a newer release
    wrote before a rollback) instead of storing a row nothing can act on. NULL passes, as
    with any CHECK: nullability is the column's own business. Adding a member needs a
    migration that replaces the constraint.
    """
    allowed = ", ".join(f"'{member.value}'" for member in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=column)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012 - SQLAlchemy reads it as a class attribute


def _sqlite_connect(dbapi_conn: Any, busy_timeout: float) -> None:
    # Take transaction control from the driver so the "begin" hook below decides how to BEGIN.
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    # WAL lets readers run beside the single writer; busy_timeout makes writers queue
    # instead of failing with "database is locked"; NORMAL sync is safe under WAL.
    for pragma in (
        "journal_mode=WAL",
        f"busy_timeout={round(busy_timeout * 1000)}",
        "synchronous=NORMAL",
        "foreign_keys=ON",
        "temp_store=MEMORY",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


READONLY = "lowtato_readonly"


def _sqlite_begin(conn: Any) -> None:
    # Writing transactions take the write lock at BEGIN, so two of them never deadlock
    # upgrading a read lock (SQLITE_BUSY that busy_timeout cannot wait out); SQLite has one
    # writer anyway. Read-only transactions (GET requests) start deferred and never wait for
    # writers under WAL.
    readonly = conn.get_execution_options().get(READONLY, False)
    if not readonly:
        turn = _turn.get()
        if turn is not None:
            turn.take()
    conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def create_engine(url: str, *, pool_size: int = 20, busy_timeout: float = 10.0) -> AsyncEngine:
    if url.startswith("sqlite"):
        database = sqlite_path(url)
        if database is not None:
            # Created here 0600 so SQLite never creates it under the umask; SQLite gives the
            # -wal and -shm files the database file's mode.
            private_file(database)
        engine = create_async_engine(url, connect_args={"timeout": busy_timeout})
        return _sqlite_hooks(engine, busy_timeout)
    if url.startswith("postgresql"):
        return create_async_engine(url, pool_size=pool_size, max_overflow=10, pool_pre_ping=True)
    return create_async_engine(url, poolclass=NullPool)


def _sqlite_hooks(engine: AsyncEngine, busy_timeout: float) -> AsyncEngine:
    event.listen(
        engine.sync_engine, "connect", lambda conn, _r: _sqlite_connect(conn, busy_timeout)
    )
    event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


def create_read_engine(url: str, engine: AsyncEngine, *, busy_timeout: float) -> AsyncEngine:
    """The engine read-only transactions use: on a SQLite file, its own pool of connections
    that run on the loop thread (``inline_sqlite``); elsewhere the main engine."""
    database = sqlite_path(url)
    if database is None:
        return engine  # PostgreSQL (its driver is async already), or in-memory SQLite
    inline = create_async_engine(
        url, async_creator=inline_connect(str(database)), pool_size=5, max_overflow=10
    )
    return _sqlite_hooks(inline, busy_timeout)


_MEMO = "lowtato_memo"


def start_memo(session: AsyncSession) -> None:
    """Let reads in this transaction remember what they read (see ``memo``)."""
    session.info[_MEMO] = {}


def memo(session: AsyncSession) -> dict[Any, Any] | None:
    """The transaction's memo of reads, or None when the caller did not ask for one.

    A group commit (``jobs.group``) settles many jobs in one transaction, each reading the
    same rows (the owner's webhooks, the posts it locked for all of them up front); a read
    that may be memoised looks here first. Only such transactions have one: within one
    transaction, and in the order the reads ran, the answer cannot change under us.
    """
    found: dict[Any, Any] | None = session.info.get(_MEMO)
    return found


def required_memo(session: AsyncSession, reader: str) -> dict[Any, Any]:
    """The memo, for reads that exist only to fill it (a group's reads up front)."""
    found = memo(session)
    if found is None:
        msg = f"{reader} needs a transaction with a memo (kit.db.start_memo)"
        raise RuntimeError(msg)
    return found


# ``Database.transaction`` scopes open in this task, writing and read-only (a child task
# copies the counts).
_open_writes: ContextVar[int] = ContextVar("lowtato_open_write_transactions", default=0)
_open_reads: ContextVar[int] = ContextVar("lowtato_open_read_transactions", default=0)


def write_transaction_open() -> bool:
    """Whether the current task is inside a writing ``Database.transaction``."""
    return _open_writes.get() > 0


def read_transaction_open() -> bool:
    """Whether the current task is inside a read-only ``Database.transaction`` (it holds a
    pooled connection until it ends)."""
    return _open_reads.get() > 0


class SqliteWriters:
    """This process's writers to a SQLite file, served one at a time in arrival order.

    A file has one write lock, and a writer that finds it taken sleeps in SQLite's busy
    handler (1, 2, 5 … up to 100 ms a try): under load it wakes to a lock taken again by
    another, and the unlucky writers wait seconds (``POST /api/v1/posts`` at 32 connections:
    p99 2.2 s at 104 requests/s, most of the pool's threads asleep in that handler). Queued
    here on an asyncio lock instead, the next writer starts the moment the last commits.
    SQLite still arbitrates between processes (a separate worker, an admin command), and
    still guards correctness: this only orders who asks.

    A transaction takes its turn where SQLite would take the lock, at its first statement
    (``_sqlite_begin``): work done before it (counting a long text) holds nothing.
    """

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._lock: tuple[asyncio.AbstractEventLoop | None, asyncio.Lock] = (None, asyncio.Lock())

    async def acquire(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        owner, lock = self._lock
        if owner is not loop:  # an asyncio lock serves one event loop
            self._lock = (loop, lock := asyncio.Lock())
        try:
            async with asyncio.timeout(self.timeout):
                await lock.acquire()
        except TimeoutError:
            # What SQLite says after its own busy timeout: the API answers 503, retry later.
            locked = sqlite3.OperationalError("database is locked")
            raise OperationalError("BEGIN IMMEDIATE", None, locked) from None
        return lock


class _Turn:
    """One writing transaction's place in the queue: taken at its first BEGIN, given back
    when the transaction ends. Only the task that opened the transaction takes it (a child
    task copies the context, and waits for SQLite itself, as a nested write does)."""

    def __init__(self, writers: SqliteWriters) -> None:
        self.writers = writers
        self.task = asyncio.current_task()
        self.held: asyncio.Lock | None = None

    def take(self) -> None:
        # Runs inside SQLAlchemy's greenlet (the "begin" event), which may await.
        if self.held is None and asyncio.current_task() is self.task:
            self.held = await_only(self.writers.acquire())

    def give_back(self) -> None:
        if self.held is not None:
            self.held.release()
            self.held = None


_turn: ContextVar[_Turn | None] = ContextVar("lowtato_sqlite_write_turn", default=None)


class Database:
    """Engine + session factory, one per process."""

    def __init__(self, url: str, *, busy_timeout: float = 10.0, pool_size: int = 20) -> None:
        self.url = url
        self.engine = create_engine(url, busy_timeout=busy_timeout, pool_size=pool_size)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        # On SQLite its transactions BEGIN deferred (see _sqlite_begin) on the loop thread.
        self.read_engine = create_read_engine(url, self.engine, busy_timeout=busy_timeout)
        self.read_sessionmaker = async_sessionmaker(
            self.read_engine.execution_options(**{READONLY: True}), expire_on_commit=False
        )
        # Single-statement reads of the hot endpoints, without a session (kit.fastread).
        self.reads = FastReads(url, self.engine)
        self.writers = SqliteWriters(busy_timeout) if self.is_sqlite else None

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def transaction(self, *, readonly: bool = False) -> AsyncIterator[AsyncSession]:
        """A session whose work commits on success and rolls back on any exception.

        ``readonly`` transactions must not write (on SQLite they do not hold the write lock).
        """
        maker = self.read_sessionmaker if readonly else self.sessionmaker
        counter = _open_reads if readonly else _open_writes
        depth = counter.get()
        # A nested write waits for SQLite itself, as before.
        turn = _Turn(self.writers) if self.writers and not readonly and depth == 0 else None
        token = _turn.set(turn) if turn else None
        counter.set(depth + 1)
        try:
            async with maker() as session:
                try:
                    yield session
                    await session.commit()
                except BaseException:
                    await session.rollback()
                    raise
        finally:
            counter.set(depth)
            if turn and token:
                turn.give_back()
                _turn.reset(token)

    async def dispose(self) -> None:
        await self.reads.close()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()
        await self.engine.dispose()
