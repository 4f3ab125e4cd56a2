"""Group commit of jobs' closing transactions (``JobContext.settle``; see ``kit.batch``).

A burst of publishes ends with many attempts each wanting the same short fenced transaction:
prove the lease, lock the post, write the outcome and its event, mark the job done. Grouped,
that is one lease check for all of them (``leases.lock_leases``), one ``prepare`` (e.g. lock
all their posts), each one's work in turn, one done-update, one commit.

Every guarantee of ``JobContext.fenced`` holds per job: an attempt whose lease moved on gets
``LeaseLost`` and writes nothing; a job's work and its completion commit together; a group
that fails is run again job by job, each in its own ``fenced`` transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TypeVar, cast

from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.jobs.leases import JobContext, LeaseLost, Prepare, finish_many, lock_leases
from lowtato.jobs.models import JobStatus
from lowtato.kit.batch import Batches, Entry

T = TypeVar("T")


@dataclass(frozen=True)
class _Job:
    ctx: JobContext
    done: bool
    key: str


class GroupCommit(Batches[_Job]):
    """One per worker; ``run`` is ``JobContext.settle``'s grouped form."""

    async def run(
        self,
        ctx: JobContext,
        work: Callable[[AsyncSession], Awaitable[T]],
        *,
        done: bool,
        key: str,
        prepare: Prepare | None,
    ) -> T:
        return await self.submit(work, _Job(ctx, done, key), tag=prepare)

    async def begin(
        self, session: AsyncSession, tag: Hashable, group: list[Entry[_Job]]
    ) -> list[Entry[_Job]]:
        held = await lock_leases(session, {e.meta.ctx.id: e.meta.ctx.lease_token for e in group})
        going = []
        for entry in group:
            if entry.meta.ctx.id in held:
                going.append(entry)
            else:
                entry.fail(LeaseLost(entry.meta.ctx.id, entry.meta.ctx.lease_token))
        if tag is not None and going:
            prepare = cast(Prepare, tag)
            await prepare(session, [entry.meta.key for entry in going])
        return going

    async def end(self, session: AsyncSession, ran: list[Entry[_Job]]) -> None:
        completed = [entry.meta.ctx for entry in ran if entry.meta.done]
        await finish_many(session, completed, JobStatus.done, None)

    def alone(self, entry: Entry[_Job]) -> AbstractAsyncContextManager[AsyncSession]:
        return entry.meta.ctx.fenced(done=entry.meta.done)

    def committed(self, entry: Entry[_Job]) -> None:
        if entry.meta.done:
            entry.meta.ctx.completed = True
