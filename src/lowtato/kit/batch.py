"""Group commit: short write transactions that arrive together run as one.

When many tasks each want the same short transaction (a burst of publishes settling, the
sandbox accepting their posts), the round trips to the database, not the work, bound the
rate: BEGIN, a check, a read, a write, COMMIT, each a system call or two (docs/performance.md).
A ``Batches`` runs every work that arrived while the previous group was committing as the next
group: one transaction, each work in turn in it, one commit. Under no load a group is one work
and runs at once, so nothing waits for company; under load groups grow by themselves.

Each caller still gets its own answer, or its own exception, as if it had run alone: if the
group's transaction fails for any reason (one work raised, a deadlock, a lost connection),
nothing of it is written and every work runs again, one after the other, in a transaction of
its own, so one caller's problem never decides another's outcome. A work must therefore only
write through its session (it may run twice), and should return rather than raise its
expected answers.

Subclasses add what a group shares (``begin``: e.g. one lease check for all; ``end``: one
update for all) and what a lone work runs in (``alone``).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable, Hashable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.kit.db import Database, start_memo

log = logging.getLogger(__name__)

T = TypeVar("T")
M = TypeVar("M")
MAX_GROUP = 64
Work = Callable[[AsyncSession], Awaitable[Any]]


@dataclass(eq=False)
class Entry(Generic[M]):
    """One caller's work and what the subclass needs to know about it."""

    work: Work
    meta: M
    future: asyncio.Future[Any]

    def fail(self, exc: BaseException) -> None:
        if not self.future.done():
            self.future.set_exception(exc)

    def resolve(self, result: Any) -> None:
        if not self.future.done():
            self.future.set_result(result)


class Batches(Generic[M]):
    """One per process (or per worker) and database."""

    def __init__(self, db: Database, *, max_group: int = MAX_GROUP) -> None:
        self.db = db
        self.max_group = max_group
        # Per tag (works that share a ``begin`` share a group): who waits, and the task that
        # commits their groups one after another, if one is running.
        self._waiting: dict[Hashable, list[Entry[M]]] = {}
        self._committers: dict[Hashable, asyncio.Task[None]] = {}

    async def submit(
        self, work: Callable[[AsyncSession], Awaitable[T]], meta: M, *, tag: Hashable = None
    ) -> T:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(tag, []).append(Entry(work, meta, future))
        if tag not in self._committers:
            # A context of its own: the committer serves many callers, so it must not carry
            # the first one's context variables (its log fields, its open transactions).
            task = asyncio.create_task(
                self._commit_all(tag), name="lowtato-group-commit", context=contextvars.Context()
            )
            self._committers[tag] = task
        return await future

    # What subclasses may change.
    async def begin(
        self, session: AsyncSession, tag: Hashable, group: list[Entry[M]]
    ) -> list[Entry[M]]:
        """Before the works: returns the entries that go on (fail the others)."""
        return group

    async def end(self, session: AsyncSession, ran: list[Entry[M]]) -> None:
        """After the works, in the same transaction."""

    def alone(self, entry: Entry[M]) -> AbstractAsyncContextManager[AsyncSession]:
        """The transaction one entry runs in when it runs by itself."""
        return self.db.transaction()

    def committed(self, entry: Entry[M]) -> None:
        """Called for each entry whose work the group's commit wrote."""

    async def _commit_all(self, tag: Hashable) -> None:
        try:
            while waiting := self._waiting.get(tag):
                group = waiting[: self.max_group]
                del waiting[: self.max_group]
                try:
                    await self._commit(tag, group)
                except BaseException as exc:  # never leave a caller waiting forever
                    for entry in group:
                        entry.fail(exc)
                    raise
        finally:
            del self._committers[tag]

    async def _commit(self, tag: Hashable, group: list[Entry[M]]) -> None:
        # A caller cancelled while waiting is left out, as if its transaction rolled back.
        group = [entry for entry in group if not entry.future.done()]
        if len(group) <= 1:
            await asyncio.gather(*(self._alone(entry) for entry in group))
            return
        results: dict[Entry[M], Any] = {}
        try:
            async with self.db.transaction() as session:
                start_memo(session)
                going = await self.begin(session, tag, group)
                for entry in going:
                    results[entry] = await entry.work(session)
                await self.end(session, going)
        except Exception:
            log.info("a group of %d transactions failed; running each on its own", len(group))
            # One after the other, as the group would have: two works on the same rows (two
            # creates of one post) then see each other instead of racing.
            for entry in group:
                if not entry.future.done():
                    await self._alone(entry)
            return
        for entry, result in results.items():
            self.committed(entry)
            entry.resolve(result)

    async def _alone(self, entry: Entry[M]) -> None:
        try:
            async with self.alone(entry) as session:
                result = await entry.work(session)
        except Exception as exc:
            entry.fail(exc)
        else:
            entry.resolve(result)
