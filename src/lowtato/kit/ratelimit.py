"""Per-owner, per-mode sliding-window rate limits.

In this process's memory by default (``MemoryWindows``: the timestamps of the hits in the
window, per key). With ``LOWTATO_REDIS_URL`` every process shares one budget through the
``limits`` library's moving window on Redis (the check runs as one Lua script on Redis's
clock). If Redis stops answering, checks fall back to memory for a short while instead of
failing requests, and health reports ``degraded``.

Memory is not ``limits``' own memory storage: that one starts an expiry task on each hit, and
the task hands a bisect to a worker thread — a thread hop per request on the hottest path
(docs/performance.md).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

log = logging.getLogger(__name__)

_REDIS_RETRY_AFTER_FAILURE = 5.0  # seconds on memory before asking Redis again


class Policy(StrEnum):
    read = "read"
    write = "write"
    upload = "upload"


@dataclass(frozen=True, slots=True)
class Decision:
    policy: Policy
    allowed: bool
    limit: int
    remaining: int
    reset_after: int  # seconds until the window frees a slot

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_after),
            # IETF draft-ietf-httpapi-ratelimit-headers: t is delay-seconds as well.
            "RateLimit": f'"{self.policy}";r={self.remaining};t={self.reset_after}',
        }


class MemoryWindows:
    """Moving-window counts in this process: a key may have at most ``limit`` hits in any
    ``window`` seconds. Synchronous and lock-free: it runs on the event loop's thread."""

    SWEEP_EVERY = 10_000  # hits between sweeps of idle keys

    def __init__(self) -> None:
        self._hits: dict[tuple[str, ...], deque[float]] = {}
        self._until_sweep = self.SWEEP_EVERY

    def hit(self, key: tuple[str, ...], limit: int, window: float) -> tuple[bool, int, float]:
        """Count a hit unless the window is full: (allowed, remaining, seconds until the
        oldest hit in the window leaves it)."""
        now = time.monotonic()
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = deque()
        while hits and hits[0] <= now - window:
            hits.popleft()
        allowed = len(hits) < limit
        if allowed:
            hits.append(now)
        self._until_sweep -= 1
        if self._until_sweep <= 0:
            self._sweep(now, window)
        reset = (hits[0] + window - now) if hits else window
        return allowed, max(0, limit - len(hits)), reset

    def _sweep(self, now: float, window: float) -> None:
        self._until_sweep = self.SWEEP_EVERY
        for key in [k for k, hits in self._hits.items() if not hits or hits[-1] <= now - window]:
            del self._hits[key]

    def clear(self) -> None:
        self._hits.clear()


class RedisWindows:
    """``limits``' moving window on Redis. The library (and the Redis client it loads with
    itself) is imported only here, when Redis is configured: about 9 MiB that an embedded
    install never uses (docs/performance.md)."""

    def __init__(self, redis_url: str) -> None:
        from limits.aio.storage import RedisStorage  # noqa: PLC0415
        from limits.aio.strategies import MovingWindowRateLimiter  # noqa: PLC0415

        self.storage = RedisStorage(
            redis_url.replace("redis://", "async+redis://", 1)
            if redis_url.startswith("redis://")
            else redis_url,
            implementation="redispy",
            wrap_exceptions=True,
            key_prefix="lowtato-rl",
            socket_timeout=0.5,
            socket_connect_timeout=0.5,
        )
        self.limiter = MovingWindowRateLimiter(self.storage)
        self._items: dict[tuple[int, int], Any] = {}

    async def hit(self, keys: tuple[str, ...], limit: int, window: int) -> tuple[bool, int, float]:
        """(allowed, remaining, seconds until the window has room), like ``MemoryWindows``."""
        item = self._items.get((limit, window))
        if item is None:
            from limits import RateLimitItemPerSecond  # noqa: PLC0415 - see the class

            item = self._items[(limit, window)] = RateLimitItemPerSecond(limit, window)
        allowed = await self.limiter.hit(item, *keys)
        stats = await self.limiter.get_window_stats(item, *keys)
        return allowed, stats.remaining, stats.reset_time - time.time()


class RateLimiter:
    def __init__(self, limits: dict[Policy, int], window_seconds: int, redis_url: str = "") -> None:
        self.window = window_seconds
        self.amounts = dict(limits)
        self._memory = MemoryWindows()
        self._redis = RedisWindows(redis_url) if redis_url else None
        self._redis_down_until = 0.0

    def policy_header(self, policy: Policy) -> str:
        return f'"{policy}";q={self.amounts[policy]};w={self.window}'

    async def hit(self, policy: Policy, owner: str, mode: str) -> Decision:
        amount = self.amounts[policy]
        keys = (owner, mode, policy.value)
        redis = self._redis
        if redis is not None and time.monotonic() >= self._redis_down_until:
            try:
                allowed, remaining, reset = await redis.hit(keys, amount, self.window)
            except Exception:
                log.warning(
                    "rate limit storage unreachable; using in-process limits", exc_info=True
                )
                self._redis_down_until = time.monotonic() + _REDIS_RETRY_AFTER_FAILURE
            else:
                return self._decision(policy, allowed, remaining, reset)
        allowed, remaining, reset = self._memory.hit(keys, amount, self.window)
        return self._decision(policy, allowed, remaining, reset)

    def _decision(self, policy: Policy, allowed: bool, remaining: int, reset: float) -> Decision:
        reset_after = min(max(1, math.ceil(reset)), self.window)
        return Decision(policy, allowed, self.amounts[policy], remaining, reset_after)

    async def reset(self) -> None:
        self._memory.clear()
        if self._redis is None:
            return
        # A connect that times out once under load is not a reason to keep stale counts:
        # try again briefly before giving up.
        for attempt in range(3):
            try:
                await self._redis.storage.reset()
                return
            except Exception:
                if attempt == 2:
                    raise
                await asyncio.sleep(0.2 * (attempt + 1))
