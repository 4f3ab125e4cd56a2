"""Job handlers of the posts domain, bound to the process's services."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, or_, select

from lowtato.jobs.leases import JobContext
from lowtato.jobs.models import Job
from lowtato.jobs.registry import Registry, RetryPolicy
from lowtato.kit import clock
from lowtato.posts import flows
from lowtato.posts.models import Post, PostStatus, PublishState
from lowtato.posts.scheduling import PUBLISH_KIND
from lowtato.runtime import Services

SWEEP_KIND = "posts.sweep"
STUCK_AFTER = timedelta(minutes=10)
# Attempts count RetryLater too, so a platform that keeps saying "later" cannot loop forever.
PUBLISH_ATTEMPTS = 5


def install(registry: Registry, services: Services) -> None:
    @registry.register(PUBLISH_KIND, retry=RetryPolicy(base=30, factor=2, max_delay=900),
                       max_attempts=PUBLISH_ATTEMPTS, timeout=600)  # fmt: skip
    async def publish(ctx: JobContext) -> None:
        await flows.publish(ctx, services)

    @registry.register(flows.RECONCILE_KIND, retry=RetryPolicy(base=15, factor=2, max_delay=300),
                       max_attempts=len(flows.RECONCILE_DELAYS) + 1, timeout=300)  # fmt: skip
    async def reconcile(ctx: JobContext) -> None:
        await flows.reconcile(ctx, services)

    @registry.register(SWEEP_KIND, max_attempts=2, timeout=300)
    async def sweep(ctx: JobContext) -> None:
        await sweep_stuck_posts(ctx)

    registry.periodic(SWEEP_KIND, every=timedelta(minutes=1))


async def sweep_stuck_posts(ctx: JobContext) -> None:
    """Bound every post's time in `publishing`: a post whose publish or reconcile job ended
    without settling it (e.g. out of attempts on unexpected errors) is settled here —
    `sending` ones are reconciled (they may have been sent), others fail."""
    cutoff = clock.now() - STUCK_AFTER
    async with ctx.fenced(done=True) as session:
        stuck = await session.scalars(
            select(Post)
            .outerjoin(
                Job,
                or_(
                    and_(
                        Job.key == "publish:" + Post.id,
                        Post.publish_state != PublishState.unconfirmed,
                    ),
                    and_(
                        Job.key == "reconcile:" + Post.id,
                        Post.publish_state == PublishState.unconfirmed,
                    ),
                ),
            )
            .where(
                Post.status == PostStatus.publishing,
                Post.updated_at < cutoff,
                or_(Job.id.is_(None), Job.status.in_(["done", "failed", "cancelled"])),
            )
            .limit(500)
            .with_for_update(of=Post, skip_locked=True)
        )
        for post in stuck:
            if post.publish_state == PublishState.sending:
                await flows.mark_unconfirmed(
                    session, post, "the publish attempt stopped after sending"
                )
            elif post.publish_state == PublishState.unconfirmed:
                await flows.fail(
                    session,
                    post,
                    "not_published",
                    "The platform's answer was lost and the post could not be confirmed, so "
                    "it is treated as not published. Check the account before publishing again.",
                )
            else:
                await flows.fail(
                    session,
                    post,
                    "publish_failed",
                    post.error_message or "publishing did not complete",
                )
