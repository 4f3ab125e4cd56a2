"""Billing's periodic work: the monthly credit reset."""

from __future__ import annotations

from datetime import timedelta

from lowtato.billing import credits
from lowtato.jobs.leases import JobContext
from lowtato.jobs.registry import Registry
from lowtato.kit import clock

RESET_KIND = "credits.reset"


def install(registry: Registry) -> None:
    @registry.register(RESET_KIND, max_attempts=3, timeout=600)
    async def reset(ctx: JobContext) -> None:
        async with ctx.fenced(done=True) as session:
            await credits.reset_month(session, clock.now())

    # Hourly: an owner is reset at most once a month, so the tick only bounds the delay.
    registry.periodic(RESET_KIND, every=timedelta(hours=1))
