"""aiosqlite's connection, run on the event loop's own thread: the read path of the embedded
default without a thread hop per statement.

aiosqlite runs every call (BEGIN, execute, fetch, cursor close, commit) on the connection's
worker thread and wakes the loop with ``call_soon_threadsafe``: two thread crossings per call,
several per request, which cost more than the primary-key read itself (docs/performance.md).
``InlineConnection`` keeps aiosqlite's interface, which SQLAlchemy's aiosqlite dialect drives,
and runs each call at once on the calling thread.

Only for read-only transactions on a WAL database: a reader there never waits for the writer,
so the loop never blocks on a lock. Writes keep aiosqlite's thread: ``BEGIN IMMEDIATE`` may
wait up to the busy timeout for the write lock, and that wait must not stall the loop (the
embedded worker holding the lock runs on the same loop and could not finish).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Generator
from typing import Any

import aiosqlite


class _RunNow:
    """Stands in for aiosqlite's queue to its worker thread: runs each call as it is put.
    SQLAlchemy's adapter puts onto the queue directly to set ``isolation_level``."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:
            if future is not None and not future.done():
                future.set_exception(exc)
            return
        if future is not None and not future.done():
            future.set_result(result)


class InlineConnection(aiosqlite.Connection):
    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _RunNow()  # type: ignore[assignment]  # the worker thread is never started

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)

    def __await__(self) -> Generator[Any, None, aiosqlite.Connection]:
        return self._connect().__await__()


def inline_connect(database: str) -> Callable[[], Any]:
    """An ``async_creator`` for ``create_async_engine``: a new inline connection to
    ``database`` (opened on the loop thread, and only ever used there)."""

    async def create() -> aiosqlite.Connection:
        return await InlineConnection(lambda: sqlite3.connect(database))

    return create
