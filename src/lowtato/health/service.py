"""Dependency checks for ``GET /api/health``."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from lowtato.billing.stripe_api import StripeHealth
from lowtato.health import repository
from lowtato.kit import clock
from lowtato.kit.db import Database

Check = Literal["ok", "error", "not_configured"]
_TIMEOUT = 2.0


async def check_db(db: Database) -> Check:
    try:
        async with asyncio.timeout(_TIMEOUT):
            await repository.ping(db.engine)
    except Exception:
        return "error"
    return "ok"


async def check_redis(redis: Any) -> Check:
    if redis is None:
        return "not_configured"
    try:
        async with asyncio.timeout(_TIMEOUT):
            await redis.ping()
    except Exception:
        return "error"
    return "ok"


async def report(
    db: Database, redis: Any, storage: Check, stripe: StripeHealth
) -> tuple[int, dict[str, Any]]:
    """(HTTP status, body). 503 only when the database is down; other failures degrade."""
    db_check, redis_check, stripe_check = await asyncio.gather(
        check_db(db), check_redis(redis), stripe.check()
    )
    checks = {"db": db_check, "redis": redis_check, "r2": storage, "stripe": stripe_check}
    if db_check == "error":
        status, http = "unhealthy", 503
    elif "error" in checks.values():
        status, http = "degraded", 200
    else:
        status, http = "healthy", 200
    return http, {"status": status, "timestamp": clock.iso(clock.now()), "checks": checks}
