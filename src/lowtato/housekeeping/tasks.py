"""``housekeeping.prune``: every hour, delete finished rows past their retention.

Runs once per tick however many workers there are (the periodic machinery keys the job by
its tick). Each batch is its own short transaction, fenced by the job's lease; a backlog
larger than one run's share drains over the following runs. Jobs themselves are pruned by
``jobs.prune`` (``lowtato.jobs.registry``), installed here with the configured retention.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from lowtato.config import Settings
from lowtato.housekeeping import repository
from lowtato.jobs.leases import JobContext
from lowtato.jobs.registry import Registry, install_housekeeping
from lowtato.kit import clock

log = logging.getLogger(__name__)

PRUNE_KIND = "housekeeping.prune"
EVERY = timedelta(hours=1)
BATCH = 500
MAX_BATCHES = 200  # per table and run


def install(registry: Registry, settings: Settings) -> None:
    install_housekeeping(
        registry, every=EVERY, older_than=timedelta(days=settings.retention_jobs_days)
    )
    targets = repository.targets(
        idempotency=timedelta(hours=settings.retention_idempotency_hours),
        events=timedelta(days=settings.retention_events_days),
        deliveries=timedelta(days=settings.retention_webhook_deliveries_days),
        oauth_states_after_expiry=timedelta(hours=settings.retention_oauth_states_hours),
        sandbox_posts=timedelta(days=settings.retention_sandbox_posts_days),
    )

    @registry.register(PRUNE_KIND, max_attempts=3, timeout=600.0)
    async def prune(ctx: JobContext) -> None:
        now = clock.now()  # one cut-off for the whole run
        for target in targets:
            total = 0
            for _ in range(MAX_BATCHES):
                async with ctx.fenced() as session:
                    deleted = await repository.delete_batch(session, target, now, BATCH)
                total += deleted
                if deleted < BATCH:
                    break
            if total:
                log.info("housekeeping: pruned %d %s", total, target.name)

    registry.periodic(PRUNE_KIND, every=EVERY)
