"""The last check before a request leaves for a platform: does this attempt still own it?

A publish attempt holds a job lease. A worker that was paused (SIGSTOP, a long GC, a frozen
VM) may wake up after its lease expired and another worker took the post over; if it then
sent its request, the post could be created twice. The publish flow opens a *send window*
that closes a little before the lease expires (by the monotonic clock, which keeps running
while a process is stopped), and every outbound platform request checks it first — an
in-process check, so it adds no round trip and leaves only microseconds between the check and
the bytes on the wire.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_closes_at: ContextVar[float | None] = ContextVar("lowtato_send_window", default=None)


class SendWindowClosed(Exception):
    """The attempt's lease may have expired: nothing may be sent for it any more."""


@contextmanager
def send_window(closes_at: float) -> Iterator[None]:
    """Requests made inside (in this task) may leave until ``time.monotonic()`` passes
    ``closes_at``."""
    token = _closes_at.set(closes_at)
    try:
        yield
    finally:
        _closes_at.reset(token)


def check() -> None:
    """Raise ``SendWindowClosed`` if the current send window has closed (no window: allowed)."""
    closes_at = _closes_at.get()
    if closes_at is not None and time.monotonic() >= closes_at:
        msg = "the publish attempt's lease may have expired; the request was not sent"
        raise SendWindowClosed(msg)


async def check_request(_request: object) -> None:
    """httpx request event hook form of ``check``."""
    check()
