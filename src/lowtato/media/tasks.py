"""Media housekeeping: delete stored bytes of deleted files, and clean up orphaned uploads.

``media.cleanup`` runs every ``CLEANUP_EVERY``: in one transaction it deletes the records of
uploads no post refers to that were not used for ``LOWTATO_MEDIA_ORPHAN_HOURS`` and writes one
``media.purge`` job per file, so the bytes go only once the records are gone for good (a purge
that fails is retried; a record is never left pointing at deleted bytes).
"""

from __future__ import annotations

from datetime import timedelta

from lowtato.jobs.leases import JobContext
from lowtato.jobs.registry import Registry, RetryPolicy
from lowtato.kit import clock
from lowtato.media import repository
from lowtato.media.ports import MediaServices
from lowtato.media.service import PURGE_KIND, enqueue_purge

CLEANUP_KIND = "media.cleanup"
CLEANUP_EVERY = timedelta(minutes=15)
CLEANUP_BATCH = 500  # per run; a backlog drains over successive runs


def install(registry: Registry, services: MediaServices) -> None:
    orphan_age = timedelta(hours=services.settings.media_orphan_hours)

    @registry.register(CLEANUP_KIND, max_attempts=3, timeout=300)
    async def cleanup(ctx: JobContext) -> None:
        async with ctx.fenced(done=True) as session:
            keys = await repository.delete_orphans(
                session,
                used=services.media_references.used(),
                unused_since=clock.now() - orphan_age,
                limit=CLEANUP_BATCH,
            )
            await enqueue_purge(session, keys)

    registry.periodic(CLEANUP_KIND, every=CLEANUP_EVERY)

    @registry.register(PURGE_KIND, retry=RetryPolicy(base=60, max_delay=3600), max_attempts=8)
    async def purge(ctx: JobContext) -> None:
        # Idempotent: deleting an object that is already gone succeeds.
        await services.storage.delete(str(ctx.payload["storage_key"]))
