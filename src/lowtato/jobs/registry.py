"""Handlers, retry policies and periodic schedules, keyed by job kind.

Handler protocol (``async def handler(ctx: JobContext) -> None``):

- return → the job is ``done``;
- ``raise RetryLater(after, reason)`` → ``pending`` again at ``after`` (seconds from now or an
  absolute datetime, e.g. a platform's rate-limit reset); the attempt counts, so a platform
  that keeps answering "later" cannot loop forever — except with ``counts=False``, for a job
  that found nothing to do yet (it ran early) and must not spend its attempts waiting;
- ``raise PermanentFailure(reason)`` → ``failed`` now, no retry;
- any other exception (including the kind's ``timeout``) → retried after the kind's
  ``RetryPolicy`` delay until ``max_attempts`` attempts were made, then ``failed``.

Handlers take ids in their payload, check state first and are safe to run twice.
``Registry`` is a plain object, filled explicitly: the composition builds the one the workers
run (``runtime.build_registry``: each domain's ``tasks.install``), tests build their own.
Nothing registers itself on import.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from lowtato.jobs import queue
from lowtato.jobs.leases import JobContext

Handler = Callable[[JobContext], Awaitable[None]]

DEFAULT_MAX_ATTEMPTS = 5
PRUNE_KIND = "jobs.prune"
PRUNE_AFTER = timedelta(days=7)


class RetryLater(Exception):
    """Run this job again at ``after`` (seconds from now, or an aware datetime).

    ``counts=False``: this run did nothing (it came early), so it is not counted as an attempt.
    """

    def __init__(
        self, after: float | datetime, reason: str = "retry later", *, counts: bool = True
    ) -> None:
        super().__init__(reason)
        if isinstance(after, datetime) and after.tzinfo is None:
            msg = "RetryLater needs an aware datetime"
            raise ValueError(msg)
        self.after = after
        self.reason = reason
        self.counts = counts


class PermanentFailure(Exception):
    """This job cannot succeed; mark it failed without retrying."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class RetryPolicy:
    """Capped exponential backoff: ``min(max_delay, base * factor ** (retry - 1))`` seconds,
    then spread by ±``jitter`` (a fraction) so failures that happened together do not
    retry together."""

    base: float = 10.0
    factor: float = 2.0
    max_delay: float = 3600.0
    jitter: float = 0.2

    def __post_init__(self) -> None:
        if self.base < 0 or self.factor < 1 or self.max_delay < 0 or not 0 <= self.jitter <= 1:
            msg = f"invalid retry policy {self!r}"
            raise ValueError(msg)

    def delay(self, retry: int, rng: random.Random | None = None) -> float:
        """Seconds to wait before retry number ``retry`` (1 = the first retry)."""
        raw = min(self.max_delay, self.base * self.factor ** max(0, retry - 1))
        if self.jitter:
            spread = (rng or _rng).uniform(-self.jitter, self.jitter)
            raw = min(self.max_delay, raw * (1 + spread))
        return max(0.0, raw)


_rng = random.Random()  # noqa: S311 - jitter, not security


@dataclass(frozen=True)
class Registration:
    kind: str
    handler: Handler
    retry: RetryPolicy
    max_attempts: int
    timeout: float


@dataclass(frozen=True)
class Periodic:
    kind: str
    every: timedelta

    def tick(self, now: datetime) -> datetime:
        """The start of the tick containing ``now`` (ticks are aligned to the Unix epoch)."""
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        return epoch + self.every * ((now - epoch) // self.every)


class Registry:
    """Job kinds this process can run."""

    def __init__(self) -> None:
        self._handlers: dict[str, Registration] = {}
        self._periodic: dict[str, Periodic] = {}

    def register(
        self,
        kind: str,
        *,
        retry: RetryPolicy | None = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        timeout: float = 300.0,
    ) -> Callable[[Handler], Handler]:
        """Decorator: ``handler`` runs jobs of ``kind``; ``timeout`` seconds per attempt."""
        if max_attempts < 1 or timeout <= 0:
            msg = "max_attempts must be >= 1 and timeout > 0"
            raise ValueError(msg)

        def decorate(handler: Handler) -> Handler:
            if kind in self._handlers:
                msg = f"job kind {kind!r} is already registered"
                raise ValueError(msg)
            self._handlers[kind] = Registration(
                kind, handler, retry or RetryPolicy(), max_attempts, timeout
            )
            return handler

        return decorate

    def periodic(self, kind: str, *, every: timedelta) -> None:
        """Run ``kind`` once per ``every`` (the worker enqueues key ``kind@<tick start>``).

        The kind needs a handler too (``register``), before or after this call.
        """
        if every <= timedelta(0):
            msg = "every must be positive"
            raise ValueError(msg)
        self._periodic[kind] = Periodic(kind, every)

    def get(self, kind: str) -> Registration | None:
        return self._handlers.get(kind)

    @property
    def kinds(self) -> list[str]:
        return sorted(self._handlers)

    @property
    def schedules(self) -> list[Periodic]:
        return list(self._periodic.values())

    def max_attempts_for(self, kind: str, stored: int | None) -> int:
        """The job row's ``max_attempts``, or the kind's registered one when NULL."""
        if stored is not None:
            return stored
        registration = self._handlers.get(kind)
        return registration.max_attempts if registration else DEFAULT_MAX_ATTEMPTS


# Jobs deleted per transaction, and transactions per run: short write locks, and a backlog
# drains over successive runs instead of in one long one.
PRUNE_BATCH = 500
PRUNE_MAX_BATCHES = 200


def install_housekeeping(
    registry: Registry,
    *,
    every: timedelta = timedelta(hours=1),
    older_than: timedelta = PRUNE_AFTER,
) -> None:
    """Register ``jobs.prune``: delete done/cancelled jobs finished more than ``older_than``
    ago (7 days unless told), every ``every``, in batches of ``PRUNE_BATCH``."""

    async def prune(ctx: JobContext) -> None:
        for _ in range(PRUNE_MAX_BATCHES):
            async with ctx.fenced() as session:
                deleted = await queue.prune(session, older_than=older_than, limit=PRUNE_BATCH)
            if deleted < PRUNE_BATCH:
                return

    registry.register(PRUNE_KIND, max_attempts=3, timeout=600.0)(prune)
    registry.periodic(PRUNE_KIND, every=every)
