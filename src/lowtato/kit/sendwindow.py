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
holds its lease — the request arrives atomically with proof that it may.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

Fence = Callable[[AsyncSession], Awaitable[None]]


@dataclass(frozen=True)
class _Window:
    closes_at: float
    fence: Fence | None


_window: ContextVar[_Window | None] = ContextVar("lowtato_send_window", default=None)


class SendWindowClosed(Exception):
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


def bound_fence() -> Fence:
    """``fence`` for this task's current window, to run later from another task (a group
    commit runs each caller's work in its own task, where the caller's window is not set)."""
    window = _window.get()

    async def fence_of_caller(session: AsyncSession) -> None:
        _check(window)
        if window is not None and window.fence is not None:
            await window.fence(session)

    return fence_of_caller


async def check_request(_request: object) -> None:
    """httpx request event hook form of ``check``."""
    check()
