"""``GET /api/v1/analytics/summary`` and ``GET /api/v1/posts/{post_id}/analytics``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from lowtato.analytics import service
from lowtato.analytics.schemas import AnalyticsSummary, Period, PostAnalytics
from lowtato.auth.deps import AnalyticsRead
from lowtato.kit.routing import JSONRoute
from lowtato.kit.session import Session

router = APIRouter(tags=["Analytics"], route_class=JSONRoute)


@router.get("/api/v1/analytics/summary", summary="Analytics summary")
async def get_summary(
    principal: AnalyticsRead,
    session: Session,
    period: Annotated[
        Period, Query(description="The last `7d`, `30d` or `90d` (default `30d`).")
    ] = "30d",
    account_id: Annotated[
        str | None, Query(description="Only this connected account's posts.", max_length=40)
    ] = None,
) -> AnalyticsSummary:
    """Totals, trend, best posting time and a per-platform breakdown of the posts published in
    the period (this key's mode only), from each post's latest metrics snapshot. Metrics are
    read from the platforms every `LOWTATO_ANALYTICS_SYNC_MINUTES` (default 60) for 90 days
    after publishing. Another owner's (or mode's) `account_id` is a 404."""
    return await service.summary(session, principal, period, account_id)


@router.get("/api/v1/posts/{post_id}/analytics", summary="Get a post's analytics")
async def get_post_analytics(
    post_id: str, principal: AnalyticsRead, session: Session
) -> PostAnalytics:
    """The post's latest metrics and every snapshot taken, oldest first (`latest` is null
    until the first sync after publishing). Another owner's or mode's post is a 404."""
    return await service.post_analytics(session, principal, post_id)
