"""The extraction job (``sources.extract``, payload ``{source_id}``), in three steps:

1. (fenced transaction) mark the source ``processing`` and read what to extract; stop if it
   is gone or already settled (the job is safe to run twice).
2. extract, outside any transaction (network, parsing in a thread, the AI provider), under
   a deadline shorter than the job's own timeout, so the job always gets to step 3.
3. (fenced transaction, completing the job) ``ready`` with the text, or ``failed`` with the
   reason. A transient failure (timeout, refused connection, 5xx/429) is retried with
   backoff instead, until the last attempt, which fails the source with its reason.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Final

from lowtato.jobs.leases import JobContext
from lowtato.jobs.registry import Registry, RetryLater, RetryPolicy
from lowtato.sources import service
from lowtato.sources.extract import Extractor, Result
from lowtato.sources.failures import ExtractionFailed, TryAgain
from lowtato.sources.ports import SourceServices

log = logging.getLogger(__name__)

ATTEMPTS: Final = 4
BACKOFF: Final = RetryPolicy(base=10, factor=3, max_delay=300)  # ~10 s, 30 s, 90 s
JOB_TIMEOUT: Final = 600.0
# The extraction's own deadline: inside the job's, so a slow one still records its failure.
EXTRACT_DEADLINE: Final = 480.0


def install(
    registry: Registry, services: SourceServices, *, extractor: Extractor | None = None
) -> None:
    """Register the extraction job. ``extractor`` replaces the default one (tests)."""
    chosen = extractor or Extractor(services)

    @registry.register(service.EXTRACT_KIND, retry=BACKOFF, max_attempts=ATTEMPTS,
                       timeout=JOB_TIMEOUT)  # fmt: skip
    async def extract(ctx: JobContext) -> None:
        await extract_once(ctx, chosen)


async def extract_once(ctx: JobContext, extractor: Extractor) -> None:
    source_id = str(ctx.payload["source_id"])
    async with ctx.fenced() as session:
        request = await service.start_extraction(session, source_id)
    if request is None:
        return
    last = ctx.attempt >= ctx.max_attempts
    outcome: Result | str
    try:
        async with asyncio.timeout(EXTRACT_DEADLINE):
            outcome = await extractor.run(request)
    except ExtractionFailed as exc:
        outcome = exc.reason
    except (TryAgain, TimeoutError) as exc:
        reason = exc.reason if isinstance(exc, TryAgain) else "the extraction took too long"
        if not last:
            raise RetryLater(BACKOFF.delay(ctx.attempt), reason) from exc
        outcome = f"{reason} (gave up after {ctx.attempt} attempts; create the source again later)"
    except Exception:
        log.exception("extracting source %s failed unexpectedly", source_id)
        if not last:
            raise  # the job's retry policy runs it again
        outcome = "the extraction failed unexpectedly; create the source again, or send its text"
    async with ctx.fenced(done=True) as session:
        await service.finish_extraction(session, source_id, outcome)
