"""The last check before a request leaves for a platform: does this attempt still own it?

A publish attempt holds a job lease. A worker that was paused (SIGSTOP, a long GC, a frozen
VM) may wake up after its lease expired and another worker took the post over; if it then
sent its request, the post could be created twice. The publish flow opens a *send window*
that closes a little before the lease expires (by the monotonic clock, which keeps running
while a process is stopped), and every outbound platform request checks it first — an
in-process check, so it adds no round trip and leaves only microseconds between the check and
the bytes on the wire.

The sandbox network runs its "platform" inside the worker process, so a worker paused there
would pause the platform too, and deliver its request late. It therefore also takes the
window's *fence*: a check, inside the sandbox's own insert transaction, that the attempt still
holds its lease — the request arrives atomically with proof that it may. Creates that the
sandbox accepts together (one transaction, ``kit.batch``) prove their fences together first
(``prove_together``): one statement for the group, not one per create.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from sqlalchemy.ext.asyncio import AsyncSession

Fence = Callable[[AsyncSession], Awaitable[None]]


@runtime_checkable
class GroupFence(Protocol):
    """A fence that many attempts can prove in one statement: ``prove_together`` (called on
    any one of them, with all of its kind) checks them all and keeps each answer in the
    transaction's memo (``kit.db.memo``), where the fence's own call then finds it."""

    async def __call__(self, session: AsyncSession, /) -> None: ...

    async def prove_together(self, session: AsyncSession, fences: Sequence[object]) -> None: ...


@dataclass(frozen=True)
class _Window:
    closes_at: float
    fence: Fence | None


_window: ContextVar[_Window | None] = ContextVar("lowtato_send_window", default=None)


class FenceRefused(Exception):
    """This attempt may not send (its window closed, or its fence found the lease gone)."""


class SendWindowClosed(FenceRefused):
    """The attempt's lease may have expired: nothing may be sent for it any more."""


@contextmanager
def send_window(closes_at: float, fence: Fence | None = None) -> Iterator[None]:
    """Requests made inside (in this task) may leave until ``time.monotonic()`` passes
    ``closes_at``; ``fence(session)`` raises when the attempt no longer holds its lease."""
    token = _window.set(_Window(closes_at, fence))
    try:
        yield
    finally:
        _window.reset(token)


def check() -> None:
    """Raise ``SendWindowClosed`` if the current send window has closed (no window: allowed)."""
    _check(_window.get())


def _check(window: _Window | None) -> None:
    if window is not None and time.monotonic() >= window.closes_at:
        msg = "the publish attempt's lease may have expired; the request was not sent"
        raise SendWindowClosed(msg)


async def fence(session: AsyncSession) -> None:
    """Check the window, then its fence inside ``session``'s transaction (no window: allowed)."""
    await bound_fence()(session)


@dataclass(frozen=True)
class BoundFence:
    """``fence`` for one window, to run later from another task (a group commit runs each
    caller's work in its own task, where the caller's window is not set)."""

    window: _Window | None

    async def __call__(self, session: AsyncSession) -> None:
        _check(self.window)
        if self.window is not None and self.window.fence is not None:
            await self.window.fence(session)


def bound_fence() -> BoundFence:
    """``fence`` for this task's current window (see ``BoundFence``)."""
    return BoundFence(_window.get())


async def prove_together(session: AsyncSession, fences: Sequence[BoundFence]) -> None:
    """Prove, kind by kind, the fences among ``fences`` that can be proven together
    (``GroupFence``), each kind in one statement. Their own calls then only read the answer;
    the time check of each window still runs at its call. A fence of no such kind is left to
    its own call."""
    kinds: dict[type, list[GroupFence]] = {}
    for bound in fences:
        inner = bound.window.fence if bound.window is not None else None
        if isinstance(inner, GroupFence):
            kinds.setdefault(type(inner), []).append(inner)
    for same in kinds.values():
        await same[0].prove_together(session, same)


async def check_request(_request: object) -> None:
    """httpx request event hook form of ``check``."""
    check()
