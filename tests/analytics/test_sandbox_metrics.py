"""The sandbox network's metrics: plausible, deterministic for (post, age), never decreasing
as the post ages, shaped like the platform (views on YouTube/TikTok, impressions elsewhere)."""

from __future__ import annotations

import itertools
from datetime import timedelta

from lowtato.analytics.engagement import ENGAGEMENT_METRICS, REACH_METRIC, engagement
from lowtato.platforms.base import Metrics
from lowtato.platforms.names import Platform
from lowtato.platforms.sandbox.network import sandbox_metrics

AGES = [timedelta(hours=h) for h in (0, 0.5, 1, 2, 6, 24, 72, 24 * 30, 24 * 90)]


def test_figures_never_decrease_and_level_off() -> None:
    for n in range(50):
        post = f"sbx{n:020d}"
        series = [sandbox_metrics("twitter", post, age) for age in AGES]
        assert series[0] == Metrics(likes=0, comments=0, shares=0, impressions=0)  # brand new
        for older, newer in itertools.pairwise(series):
            for name in ("likes", "comments", "shares", "impressions"):
                assert (getattr(newer, name) or 0) >= (getattr(older, name) or 0)
        day, month = series[5], series[7]
        assert day.impressions is not None and month.impressions is not None
        assert 200 <= month.impressions <= 5200  # a plausible reach for a sandbox account
        assert day.impressions < month.impressions  # still growing after a day
        assert (month.likes or 0) < month.impressions  # fewer people like than see it


def test_deterministic_per_post_and_age() -> None:
    age = timedelta(hours=5)
    assert sandbox_metrics("bluesky", "sbxA", age) == sandbox_metrics("bluesky", "sbxA", age)
    figures = {sandbox_metrics("bluesky", f"sbx{n}", timedelta(days=30)) for n in range(20)}
    assert len(figures) > 10  # posts differ from one another


def test_shape_follows_the_platform() -> None:
    for platform in Platform:
        metrics = sandbox_metrics(platform, "sbx1", timedelta(days=2))
        reach = REACH_METRIC[platform]
        other = "impressions" if reach == "views" else "views"
        assert getattr(metrics, reach) > 0 and getattr(metrics, other) is None
    assert REACH_METRIC[Platform.YOUTUBE] == REACH_METRIC[Platform.TIKTOK] == "views"


def test_engagement_counts_likes_comments_shares_everywhere() -> None:
    figures = Metrics(likes=7, comments=None, shares=2, impressions=1000, views=50)
    for platform in Platform:
        assert ENGAGEMENT_METRICS[platform] == ("likes", "comments", "shares")
        assert engagement(platform, figures) == 9  # reach is not engagement; None counts 0
