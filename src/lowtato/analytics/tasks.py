"""The metrics sync: a periodic job that reads published posts' metrics from the platforms
and stores one snapshot per post per interval.

A post is due when the platform was last asked about it longer ago than
``LOWTATO_ANALYTICS_SYNC_MINUTES`` (``MetricSync``, written with each snapshot and each
failure). Each run takes a bounded batch (``BATCH`` posts, never-asked and longest-unasked
first), so a run never takes long; runs come every ``TICK`` at most (more often than the
interval), so a post is read at most ``TICK`` late and a backlog larger than one batch drains
in the next runs.

Only short transactions touch the database: one to pick the batch and decrypt its
credentials, one per stored snapshot, one for the failures; no transaction is open while a
platform is asked. A platform error on one post is logged and that post skipped until the
next interval; a rate-limited platform is not asked again for the rest of the run (its posts
wait an interval too, so a large backlog on one limited platform cannot hold back the
others).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.accounts.models import SocialAccount
from lowtato.accounts.service import subaccount_by_id, subaccount_token_aad, token_aad
from lowtato.analytics import repository
from lowtato.analytics.engagement import engagement
from lowtato.analytics.models import MetricSnapshot
from lowtato.analytics.ports import AnalyticsServices
from lowtato.jobs.leases import JobContext
from lowtato.jobs.registry import Registry
from lowtato.kit import clock
from lowtato.kit.crypto import DecryptionError
from lowtato.kit.ids import new_id
from lowtato.platforms.base import Credentials, Metrics
from lowtato.platforms.errors import PlatformError, RateLimited
from lowtato.platforms.registry import AdapterUnavailable
from lowtato.posts.models import Post

log = logging.getLogger(__name__)

SYNC_KIND = "analytics.sync"
BATCH = 200  # posts per run
WINDOW = timedelta(days=90)  # posts are followed this long after publishing
TICK = timedelta(minutes=5)


@dataclass(frozen=True)
class Due:
    post_id: str
    owner_id: str
    livemode: bool
    platform: str
    platform_post_id: str
    account_id: str
    sandbox: bool
    creds: Credentials


async def _credentials(
    session: AsyncSession, services: AnalyticsServices, post: Post, account: SocialAccount
) -> Credentials:
    ring = services.keyring

    def dec(value: str | None, aad: str) -> str | None:
        return ring.decrypt(value, aad=aad) if value else None

    sub = await subaccount_by_id(session, post.subaccount_id) if post.subaccount_id else None
    return Credentials(
        platform_user_id=account.platform_user_id,
        username=account.username,
        access_token=dec(account.access_token_enc, token_aad(account.id, "access_token")),
        refresh_token=dec(account.refresh_token_enc, token_aad(account.id, "refresh_token")),
        expires_at=account.token_expires_at,
        meta=dict(account.meta or {}),
        target_id=sub.external_id if sub else None,
        target_token=dec(sub.access_token_enc, subaccount_token_aad(sub.id)) if sub else None,
    )


async def due_posts(services: AnalyticsServices, failed: dict[str, str]) -> list[Due]:
    """The batch to sync now, with decrypted credentials (a post whose token this process
    cannot decrypt is logged and added to ``failed``)."""
    now = clock.now()
    interval = timedelta(minutes=services.settings.analytics_sync_minutes)
    due: list[Due] = []
    async with services.db.transaction() as session:
        rows = await repository.due_for_sync(
            session, published_since=now - WINDOW, asked_before=now - interval, limit=BATCH
        )
        for post, account in rows:
            try:
                creds = await _credentials(session, services, post, account)
            except DecryptionError:
                log.warning("metrics sync: cannot decrypt the token of account %s", account.id)
                failed[post.id] = "credentials_unreadable"
                continue
            due.append(
                Due(post.id, post.owner_id, post.livemode, post.platform,
                    post.platform_post_id or "", account.id, account.sandbox, creds)
            )  # fmt: skip
    return due


async def _store(services: AnalyticsServices, item: Due, metrics: Metrics) -> None:
    async with services.db.transaction() as session:
        now = clock.now()
        repository.add_snapshot(
            session,
            MetricSnapshot(
                id=new_id("snap"),
                owner_id=item.owner_id,
                livemode=item.livemode,
                post_id=item.post_id,
                social_account_id=item.account_id,
                platform=item.platform,
                captured_at=now,
                likes=metrics.likes,
                comments=metrics.comments,
                shares=metrics.shares,
                impressions=metrics.impressions,
                views=metrics.views,
                engagement=engagement(item.platform, metrics),
            ),
        )
        await repository.record_attempt(session, item.post_id, now, None)


async def _record_failures(services: AnalyticsServices, failed: dict[str, str]) -> None:
    """Posts the platform refused (or was not asked about: rate limited) wait for the next
    interval, behind the posts not asked yet."""
    if not failed:
        return
    async with services.db.transaction() as session:
        now = clock.now()
        for post_id, code in failed.items():
            await repository.record_attempt(session, post_id, now, code)


async def sync_metrics(services: AnalyticsServices) -> int:
    """One run: snapshot every due post of the batch; returns how many were stored."""
    stored = 0
    limited: set[tuple[str, bool]] = set()  # (platform, sandbox) that said "rate limited"
    failed: dict[str, str] = {}  # post id → why no snapshot
    try:
        for item in await due_posts(services, failed):
            network = (item.platform, item.sandbox)
            if network in limited:
                failed[item.post_id] = RateLimited.code
                continue
            try:
                adapter, actx = services.adapters.get(item.platform, sandbox=item.sandbox)
                metrics = await adapter.fetch_metrics(actx, item.creds, item.platform_post_id)
            except AdapterUnavailable:
                failed[item.post_id] = "platform_unavailable"
                continue
            except RateLimited as exc:
                limited.add(network)
                failed[item.post_id] = exc.code
                log.info("metrics sync: %s is rate limited (%s); skipped for this run",
                         item.platform, exc.reason)  # fmt: skip
                continue
            except PlatformError as exc:
                failed[item.post_id] = exc.code
                log.info("metrics sync: post %s skipped (%s: %s)",
                         item.post_id, exc.code, exc.reason)  # fmt: skip
                continue
            await _store(services, item, metrics)
            stored += 1
    finally:
        await _record_failures(services, failed)
    return stored


def install(registry: Registry, services: AnalyticsServices) -> None:
    @registry.register(SYNC_KIND, max_attempts=1, timeout=600)
    async def sync(ctx: JobContext) -> None:
        await sync_metrics(services)

    interval = timedelta(minutes=services.settings.analytics_sync_minutes)
    registry.periodic(SYNC_KIND, every=min(interval, TICK))
