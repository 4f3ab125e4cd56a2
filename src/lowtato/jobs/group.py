"""Group commit: the closing fenced transactions of jobs that finish together, as one.

A burst of publishes ends with many attempts each wanting the same short transaction: prove
the lease, lock the post, write the outcome and its event, mark the job done. Alone, each is
a dozen round trips to the database, and those round trips (not the platform calls) bound
how many posts a worker publishes per second (docs/performance.md). Here the attempts that
are waiting while one group commits form the next group: one lease check for all of them
(``leases.lock_leases``), one ``prepare`` (e.g. lock all their posts), each one's work in
turn, one done-update, one commit. Under no load a group is one attempt and runs at once, so
nothing waits for company.

Every guarantee of ``JobContext.fenced`` holds per job: an attempt whose lease moved on gets
``LeaseLost`` and writes nothing; a job's work and its completion commit together. If the
group's transaction fails for any reason (one job's work raised, a deadlock, a lost
connection), nothing of it is written and every job runs again on its own, so one job's
problem never decides another's outcome.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.jobs.leases import JobContext, LeaseLost, Prepare, finish_many, lock_leases
from lowtato.jobs.models import JobStatus
from lowtato.kit.db import Database, start_memo

log = logging.getLogger(__name__)

T = TypeVar("T")
MAX_GROUP = 64


@dataclass(eq=False)
class _Waiting:
    ctx: JobContext
    work: Callable[[AsyncSession], Awaitable[Any]]
    done: bool
    key: str
    future: asyncio.Future[Any]


class GroupCommit:
    """One per worker. ``run`` is ``JobContext.settle``'s grouped form."""

    def __init__(self, db: Database, *, max_group: int = MAX_GROUP) -> None:
        self.db = db
        self.max_group = max_group
        # Per ``prepare`` (jobs that need the same preparation share a group): who waits, and
        # whether a task is already committing their groups one after another.
        self._waiting: dict[Prepare | None, list[_Waiting]] = {}
        self._committers: dict[Prepare | None, asyncio.Task[None]] = {}

    async def run(
        self,
        ctx: JobContext,
        work: Callable[[AsyncSession], Awaitable[T]],
        *,
        done: bool,
        key: str,
        prepare: Prepare | None,
    ) -> T:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(prepare, []).append(_Waiting(ctx, work, done, key, future))
        if prepare not in self._committers:
            task = asyncio.create_task(self._commit_all(prepare), name="lowtato-group-commit")
            self._committers[prepare] = task
        return await future

    async def _commit_all(self, prepare: Prepare | None) -> None:
        try:
            while waiting := self._waiting.get(prepare):
                group = waiting[: self.max_group]
                del waiting[: self.max_group]
                try:
                    await self._commit(group, prepare)
                except BaseException as exc:  # never leave a job waiting forever
                    for entry in group:
                        if not entry.future.done():
                            entry.future.set_exception(exc)
                    raise
        finally:
            del self._committers[prepare]

    async def _commit(self, group: list[_Waiting], prepare: Prepare | None) -> None:
        # A job whose handler was cancelled while waiting (shutdown, lost lease) is left out,
        # as if its transaction had rolled back.
        group = [entry for entry in group if not entry.future.done()]
        if len(group) <= 1:
            await asyncio.gather(*(self._alone(entry) for entry in group))
            return
        results: dict[_Waiting, Any] = {}
        try:
            async with self.db.transaction() as session:
                start_memo(session)
                held = await lock_leases(session, {e.ctx.id: e.ctx.lease_token for e in group})
                mine = [entry for entry in group if entry.ctx.id in held]
                if prepare is not None and mine:
                    await prepare(session, [entry.key for entry in mine])
                for entry in mine:
                    results[entry] = await entry.work(session)
                completed = [entry.ctx for entry in mine if entry.done]
                await finish_many(session, completed, JobStatus.done, None)
        except Exception:
            log.info("a group of %d job outcomes failed; recording each on its own", len(group))
            await asyncio.gather(*(self._alone(entry) for entry in group))
            return
        for entry in group:
            if entry in results:
                entry.ctx.completed = entry.ctx.completed or entry.done
                _resolve(entry.future, results[entry])
            else:
                _fail(entry.future, LeaseLost(entry.ctx.id, entry.ctx.lease_token))

    async def _alone(self, entry: _Waiting) -> None:
        try:
            async with entry.ctx.fenced(done=entry.done) as session:
                result = await entry.work(session)
        except Exception as exc:
            _fail(entry.future, exc)
        else:
            _resolve(entry.future, result)


def _resolve(future: asyncio.Future[Any], result: Any) -> None:
    if not future.done():
        future.set_result(result)


def _fail(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)
