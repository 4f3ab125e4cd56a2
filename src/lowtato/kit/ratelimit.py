"""Per-owner, per-mode sliding-window rate limits (the ``limits`` library's moving window).

Memory storage by default; with ``LOWTATO_REDIS_URL`` every process shares one budget (the
check runs as one Lua script on Redis's clock). If Redis stops answering, checks fall back to
this process's memory for a short while instead of failing requests, and health reports
``degraded``.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from dataclasses import dataclass
from enum import StrEnum

from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

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


class RateLimiter:
    def __init__(self, limits: dict[Policy, int], window_seconds: int, redis_url: str = "") -> None:
        self.window = window_seconds
        self.items = {p: RateLimitItemPerSecond(n, window_seconds) for p, n in limits.items()}
        self._memory = MovingWindowRateLimiter(MemoryStorage())
        self._redis: MovingWindowRateLimiter | None = None
        self._redis_storage: Storage | None = None
        if redis_url:
            self._redis_storage = RedisStorage(
                redis_url.replace("redis://", "async+redis://", 1)
                if redis_url.startswith("redis://")
                else redis_url,
                implementation="redispy",
                wrap_exceptions=True,
                key_prefix="lowtato-rl",
                socket_timeout=0.5,
                socket_connect_timeout=0.5,
            )
            self._redis = MovingWindowRateLimiter(self._redis_storage)
        self._redis_down_until = 0.0

    def policy_header(self, policy: Policy) -> str:
        return f'"{policy}";q={self.items[policy].amount};w={self.window}'

    async def hit(self, policy: Policy, owner: str, mode: str) -> Decision:
        item = self.items[policy]
        keys = (owner, mode, policy.value)
        limiter = self._pick()
        try:
            allowed = await limiter.hit(item, *keys)
            stats = await limiter.get_window_stats(item, *keys)
        except Exception:
            if limiter is self._memory:
                raise
            log.warning("rate limit storage unreachable; using in-process limits", exc_info=True)
            self._redis_down_until = time.monotonic() + _REDIS_RETRY_AFTER_FAILURE
            allowed = await self._memory.hit(item, *keys)
            stats = await self._memory.get_window_stats(item, *keys)
        reset_after = max(1, math.ceil(stats.reset_time - time.time()))
        return Decision(
            policy, allowed, item.amount, stats.remaining, min(reset_after, self.window)
        )

    def _pick(self) -> MovingWindowRateLimiter:
        if self._redis is not None and time.monotonic() >= self._redis_down_until:
            return self._redis
        return self._memory

    async def reset(self) -> None:
        await self._memory.storage.reset()
        if self._redis_storage is None:
            return
        # A connect that times out once under load is not a reason to keep stale counts:
        # try again briefly before giving up.
        for attempt in range(3):
            try:
                await self._redis_storage.reset()
                return
            except Exception:
                if attempt == 2:
                    raise
                await asyncio.sleep(0.2 * (attempt + 1))
