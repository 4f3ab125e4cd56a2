"""What "engagement" means on each platform, as data.

Engagement is the sum of the interactions a person chose to make with the post. Reach
figures (impressions, views) are not engagement: they are reported beside it. The same three
interactions are counted on all nine platforms, because each of them reports all three under
its own names:

| platform  | likes            | comments        | shares                   |
|-----------|------------------|-----------------|--------------------------|
| twitter   | likes            | replies         | reposts + quotes         |
| instagram | likes            | comments        | shares                   |
| linkedin  | likes            | comments        | reposts (company pages)  |
| tiktok    | likes            | comments        | shares                   |
| facebook  | reactions        | comments        | shares                   |
| threads   | likes            | replies         | reposts + quotes         |
| bluesky   | likes            | replies         | reposts + quotes         |
| youtube   | likes            | comments        | (not reported: 0)        |
| pinterest | reactions        | comments        | saves                    |

A metric the platform did not report (``None``) counts as 0.
"""

from __future__ import annotations

from collections.abc import Mapping

from lowtato.platforms.base import Metrics
from lowtato.platforms.names import Platform

Counted = tuple[str, ...]

ALL_INTERACTIONS: Counted = ("likes", "comments", "shares")

# Which Metrics fields make up engagement, per platform (see the table above).
ENGAGEMENT_METRICS: Mapping[Platform, Counted] = dict.fromkeys(Platform, ALL_INTERACTIONS)

# The reach figure each platform reports best: views for video-first platforms, impressions
# elsewhere (the sandbox network reports the same shape).
REACH_METRIC: Mapping[Platform, str] = {
    platform: "views" if platform in {Platform.YOUTUBE, Platform.TIKTOK} else "impressions"
    for platform in Platform
}


def engagement(platform: str, metrics: Metrics) -> int:
    """The post's engagement: the platform's counted metrics summed, ``None`` as 0."""
    counted = ENGAGEMENT_METRICS[Platform(platform)]
    return sum(getattr(metrics, name) or 0 for name in counted)
