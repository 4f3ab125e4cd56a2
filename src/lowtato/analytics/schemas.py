"""Analytics response models. Engagement = likes + comments + shares of a post's latest
snapshot, on every platform (``analytics.engagement``); impressions and views are reach."""

from __future__ import annotations

from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

Period = Literal["7d", "30d", "90d"]
Trend = Literal["up", "down", "flat"]

ENGAGEMENT = (
    "Engagement is likes + comments + shares (on every platform; a figure the platform does "
    "not report counts as 0), taken from each post's latest metrics snapshot."
)


class PlatformBreakdown(BaseModel):
    platform: str = Field(description="Platform key, e.g. `twitter`.")
    posts: int = Field(description="Posts published on it in the period.")
    engagement: int = Field(description=f"Sum of its posts' engagement. {ENGAGEMENT}")
    likes: int = Field(description="Sum of the latest likes (reactions on Facebook/LinkedIn).")
    comments: int = Field(description="Sum of the latest comments / replies.")
    shares: int = Field(description="Sum of the latest shares / reposts (+ quotes).")
    impressions: int | None = Field(
        description="Sum of the latest impressions; null when no post there reported any."
    )
    views: int | None = Field(
        description="Sum of the latest video views (YouTube, TikTok); null when none reported."
    )


class AnalyticsSummary(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "period": "30d",
                    "total_posts": 24,
                    "total_engagement": 1310,
                    "posts_this_week": 5,
                    "top_platform": "linkedin",
                    "best_posting_time": "09:00",
                    "best_posting_day": "Tuesday",
                    "engagement_trend": "up",
                    "engagement_change_percent": 12.4,
                    "platform_breakdown": [
                        {
                            "platform": "linkedin",
                            "posts": 10,
                            "engagement": 820,
                            "likes": 640,
                            "comments": 95,
                            "shares": 85,
                            "impressions": 15200,
                            "views": None,
                        }
                    ],
                }
            ]
        }
    )

    period: Period = Field(description="The period asked for: the last 7, 30 or 90 days.")
    total_posts: int = Field(
        description="Posts published in the period (with or without metrics yet)."
    )
    total_engagement: int = Field(
        description=f"Engagement of the posts published in the period. {ENGAGEMENT}"
    )
    posts_this_week: int = Field(
        description="Posts published since Monday 00:00 in the owner's timezone (profile)."
    )
    top_platform: str | None = Field(
        description="The platform with the most engagement in the period (ties: more posts, "
        "then alphabetical); null when nothing was published."
    )
    best_posting_time: str | None = Field(
        description="Hour of day (`HH:00`, owner's timezone) whose posts in the period had the "
        "highest mean engagement (ties: the earliest hour); null until a post has metrics.",
        examples=["09:00"],
    )
    best_posting_day: str | None = Field(
        description="Weekday (`Monday`..`Sunday`, owner's timezone) whose posts had the highest "
        "mean engagement (ties: the earliest from Monday); null until a post has metrics."
    )
    engagement_trend: Trend = Field(
        description="Total engagement of posts published in this period against the posts "
        "published in the period of the same length just before it: `up` / `down` when it "
        "moved by more than 5 %, `flat` within ±5 % or when both are 0 (`up` when only the "
        "previous period is 0)."
    )
    engagement_change_percent: float | None = Field(
        description="(this − previous) / previous × 100, rounded to 1 decimal; null when the "
        "previous period's engagement is 0."
    )
    platform_breakdown: list[PlatformBreakdown] = Field(
        description="One entry per platform published to in the period, most engagement first."
    )


# One metrics reading, the example of SnapshotOut and of PostAnalytics' snapshots.
_SNAPSHOT: Final[JsonDict] = {
    "captured_at": "2026-06-02T10:30:00Z",
    "likes": 42,
    "comments": 5,
    "shares": 3,
    "impressions": 1830,
    "views": None,
    "engagement": 50,
}


class SnapshotOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_SNAPSHOT]})

    captured_at: str = Field(description="When Lowtato read these figures (UTC).")
    likes: int | None = Field(description="Null when the platform does not report it.")
    comments: int | None
    shares: int | None
    impressions: int | None
    views: int | None
    engagement: int = Field(description=ENGAGEMENT)


class PostAnalytics(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "post_id": "post_01kt1gw6g0hy1r9dx43g3x9t3j",
                    "platform": "bluesky",
                    "published_at": "2026-06-02T09:30:02Z",
                    "latest": _SNAPSHOT,
                    "snapshots": [_SNAPSHOT],
                }
            ]
        }
    )

    post_id: str
    platform: str
    published_at: str | None = Field(description="Null when the post is not published (yet).")
    latest: SnapshotOut | None = Field(
        description="The latest snapshot; null until the metrics sync has read the post "
        "(every LOWTATO_ANALYTICS_SYNC_MINUTES, default 60, for 90 days after publishing)."
    )
    snapshots: list[SnapshotOut] = Field(
        description="The snapshots taken (the latest 2200 at most: 90 days of hourly syncs), "
        "oldest first."
    )
