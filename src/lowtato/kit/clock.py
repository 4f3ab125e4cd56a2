"""The one clock scheduling and expiry decisions read.

Code asks ``clock.now()``; tests install a ``FrozenClock`` with ``use_clock`` and move it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to (tests)."""

    def __init__(self, at: datetime) -> None:
        self._now = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, at: datetime) -> None:
        self._now = at.astimezone(UTC)

    def advance(self, delta: timedelta | float) -> None:
        self._now += delta if isinstance(delta, timedelta) else timedelta(seconds=delta)


_current: Clock = SystemClock()


def now() -> datetime:
    return _current.now()


def get_clock() -> Clock:
    return _current


@contextmanager
def use_clock(clock: Clock) -> Iterator[Clock]:
    global _current  # noqa: PLW0603 - the process-wide clock is the point of this module
    previous, _current = _current, clock
    try:
        yield clock
    finally:
        _current = previous


def iso(value: datetime | None) -> str | None:
    """UTC ISO 8601 with ``Z`` (the API's one time format)."""
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite hands back naive values; they were stored as UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
