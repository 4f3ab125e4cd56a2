"""The owner's analytics: a summary over a period, and one post's metrics history. Every
figure comes from each post's latest snapshot (``analytics.repository``); the arithmetic is
plain Python over at most two periods (≤ 180 days) of the owner's posts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.accounts import service as accounts
from lowtato.analytics.models import MetricSnapshot
from lowtato.analytics.repository import AnalyticsRepository
from lowtato.analytics.schemas import (
    AnalyticsSummary,
    Period,
    PlatformBreakdown,
    PostAnalytics,
    SnapshotOut,
    Trend,
)
from lowtato.auth import service as auth
from lowtato.kit import clock
from lowtato.kit.principal import Principal
from lowtato.posts import service as posts
from lowtato.posts.models import Post

PERIOD_DAYS: dict[str, int] = {"7d": 7, "30d": 30, "90d": 90}
# Snapshots one post's history shows (the latest ones): 90 days of hourly syncs fit.
MAX_HISTORY = 2200
FLAT_PERCENT = 5.0  # a change within ±5 % is "flat"
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

Row = tuple[Post, MetricSnapshot | None]


def snapshot_out(snapshot: MetricSnapshot) -> SnapshotOut:
    return SnapshotOut(
        captured_at=clock.iso(snapshot.captured_at) or "",
        likes=snapshot.likes,
        comments=snapshot.comments,
        shares=snapshot.shares,
        impressions=snapshot.impressions,
        views=snapshot.views,
        engagement=snapshot.engagement,
    )


async def post_analytics(
    session: AsyncSession, principal: Principal, post_id: str
) -> PostAnalytics:
    post = await posts.get_post(session, principal, post_id)  # 404 for another owner / mode
    found = await AnalyticsRepository(session, principal).history(post.id, MAX_HISTORY)
    history = [snapshot_out(s) for s in found]
    return PostAnalytics(
        post_id=post.id,
        platform=post.platform,
        published_at=clock.iso(post.published_at),
        latest=history[-1] if history else None,
        snapshots=history,
    )


def _engagement(rows: Sequence[Row]) -> int:
    return sum(s.engagement for _, s in rows if s is not None)


def _sum(values: list[int | None]) -> int | None:
    """Sum of the reported figures; None when none was reported."""
    reported = [v for v in values if v is not None]
    return sum(reported) if reported else None


def _breakdown(rows: Sequence[Row]) -> list[PlatformBreakdown]:
    by_platform: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_platform[row[0].platform].append(row)
    out = []
    for platform, group in by_platform.items():
        snaps = [s for _, s in group if s is not None]
        out.append(
            PlatformBreakdown(
                platform=platform,
                posts=len(group),
                engagement=_engagement(group),
                likes=sum(s.likes or 0 for s in snaps),
                comments=sum(s.comments or 0 for s in snaps),
                shares=sum(s.shares or 0 for s in snaps),
                impressions=_sum([s.impressions for s in snaps]),
                views=_sum([s.views for s in snaps]),
            )
        )
    # Most engagement first; ties: more posts, then the platform's name (top_platform too).
    return sorted(out, key=lambda b: (-b.engagement, -b.posts, b.platform))


def _best(rows: Sequence[Row], key: Callable[[datetime], int]) -> int | None:
    """The bucket (``key`` of the local publish time) with the highest mean engagement among
    posts that have a snapshot; ties go to the smallest bucket."""
    buckets: dict[int, list[int]] = defaultdict(list)
    for post, snapshot in rows:
        if snapshot is not None and post.published_at is not None:
            buckets[key(post.published_at)].append(snapshot.engagement)
    if not buckets:
        return None
    return min(buckets, key=lambda b: (-sum(buckets[b]) / len(buckets[b]), b))


@dataclass(frozen=True)
class TrendOf:
    trend: Trend
    percent: float | None


def trend(current: int, previous: int) -> TrendOf:
    if previous == 0:
        return TrendOf("up" if current > 0 else "flat", None)
    change = (current - previous) / previous * 100
    if abs(change) <= FLAT_PERCENT:
        return TrendOf("flat", round(change, 1))
    return TrendOf("up" if change > 0 else "down", round(change, 1))


def week_start(now: datetime, zone: ZoneInfo) -> datetime:
    """Monday 00:00 of this week in ``zone``, as a UTC instant."""
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    return datetime.combine(monday, time(0), tzinfo=zone).astimezone(UTC)


async def summary(
    session: AsyncSession, principal: Principal, period: Period, account_id: str | None
) -> AnalyticsSummary:
    if account_id is not None:
        await accounts.get_account(session, principal, account_id)  # 404 unless the caller's
    user = await auth.get_user(session, principal.user_id)
    zone = ZoneInfo(user.timezone if user and user.timezone else "UTC")
    now = clock.now()
    length = timedelta(days=PERIOD_DAYS[period])
    start = now - length
    rows = await AnalyticsRepository(session, principal).published_with_latest(
        start - length, now, account_id
    )
    current = [r for r in rows if r[0].published_at and r[0].published_at >= start]
    previous = [r for r in rows if r[0].published_at and r[0].published_at < start]
    monday = week_start(now, zone)
    breakdown = _breakdown(current)
    total = _engagement(current)
    change = trend(total, _engagement(previous))
    hour = _best(current, lambda at: at.astimezone(zone).hour)
    day = _best(current, lambda at: at.astimezone(zone).weekday())
    return AnalyticsSummary(
        period=period,
        total_posts=len(current),
        total_engagement=total,
        posts_this_week=sum(1 for p, _ in rows if p.published_at and p.published_at >= monday),
        top_platform=breakdown[0].platform if breakdown else None,
        best_posting_time=None if hour is None else f"{hour:02d}:00",
        best_posting_day=None if day is None else DAYS[day],
        engagement_trend=change.trend,
        engagement_change_percent=change.percent,
        platform_breakdown=breakdown,
    )
