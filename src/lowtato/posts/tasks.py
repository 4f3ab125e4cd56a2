"""Job handlers of the posts domain, bound to the process's services."""

from __future__ import annotations

import logging
from datetime import timedelta

from lowtato.jobs.leases import JobContext, LeaseLost
from lowtato.jobs.registry import Registry, RetryLater, RetryPolicy
from lowtato.kit import clock
from lowtato.posts import flows, repository
from lowtato.posts.models import PublishState
from lowtato.posts.ports import PostServices
from lowtato.posts.publish_job import PUBLISH_KIND

log = logging.getLogger(__name__)

SWEEP_KIND = "posts.sweep"
STUCK_AFTER = timedelta(minutes=10)
# Attempts count RetryLater too, so a platform that keeps saying "later" cannot loop forever.
PUBLISH_ATTEMPTS = 5


PUBLISH_RETRY = RetryPolicy(
    base=flows.RETRY_BASE_SECONDS, factor=2, max_delay=flows.RETRY_MAX_SECONDS
)


def install(registry: Registry, services: PostServices) -> None:
    @registry.register(PUBLISH_KIND, retry=PUBLISH_RETRY, max_attempts=PUBLISH_ATTEMPTS,
                       timeout=600)  # fmt: skip
    async def publish(ctx: JobContext) -> None:
        try:
            await flows.publish(ctx, services)
        except (LeaseLost, RetryLater):
            raise
        except Exception as exc:
            log.exception("publish job %s failed inside Lowtato", ctx.key)
            await flows.publish_crashed(ctx, exc)

    @registry.register(flows.RECONCILE_KIND, retry=RetryPolicy(base=15, factor=2, max_delay=300),
                       max_attempts=len(flows.RECONCILE_DELAYS) + 1, timeout=300)  # fmt: skip
    async def reconcile(ctx: JobContext) -> None:
        await flows.reconcile(ctx, services)

    @registry.register(SWEEP_KIND, max_attempts=2, timeout=300)
    async def sweep(ctx: JobContext) -> None:
        await sweep_stuck_posts(ctx)

    registry.periodic(SWEEP_KIND, every=timedelta(minutes=1))


NOT_STARTED = (
    "Lowtato could not start publishing this post (an internal error; the operator's logs have "
    "the details). It was not sent to the platform, so it is safe to publish it again."
)
NOT_CHECKED = (
    "The publish attempt may have reached the platform, but Lowtato could not confirm it. "
    "Look at the account before publishing it again."
)


async def sweep_stuck_posts(ctx: JobContext) -> None:
    """Bound every post's time past its schedule: a post whose publish or reconcile job ended
    without settling it (out of attempts on errors of ours, or gone) is settled here.

    - ``scheduled`` and overdue, or ``publishing`` but not sent → ``failed`` ``publish_failed``
      (nothing reached the platform: safe to publish again);
    - ``sending`` (may have been sent) → ``unconfirmed``, and the platform is asked;
    - ``unconfirmed`` whose checks stopped → ``failed`` ``unconfirmed`` (look first). Only a
      look that found nothing may say ``not_published``, and the sweep never looks.
    """
    cutoff = clock.now() - STUCK_AFTER
    async with ctx.fenced(done=True) as session:
        stuck = await repository.stuck(session, cutoff, limit=500)
        for post in stuck:
            if post.publish_state == PublishState.sending:
                await flows.mark_unconfirmed(
                    session, post, "the publish attempt stopped after sending"
                )
            elif post.publish_state == PublishState.unconfirmed:
                await flows.fail(session, post, "unconfirmed", NOT_CHECKED)
            else:
                await flows.fail(session, post, "publish_failed", NOT_STARTED)
