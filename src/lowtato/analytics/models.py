"""Metric snapshots: what a platform reported about one published post at one moment. The
sync job appends one per post per interval; the API reads the latest (and the history).
``MetricSync`` is the sync's own bookkeeping, one row per post it has asked about."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lowtato.kit.db import Base


class MetricSnapshot(Base):
    __tablename__ = "metric_snapshots"
    __table_args__ = (
        # A post's history and its latest snapshot (the sync's "last synced" and the API).
        Index("ix_metric_snapshots_post_time", "post_id", "captured_at"),
        Index("ix_metric_snapshots_owner_time", "owner_id", "livemode", "captured_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    livemode: Mapped[bool] = mapped_column(Boolean)
    post_id: Mapped[str] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    social_account_id: Mapped[str] = mapped_column(
        ForeignKey("social_accounts.id", ondelete="CASCADE")
    )
    platform: Mapped[str] = mapped_column(String(20))
    captured_at: Mapped[datetime]
    # As the adapter returned them: NULL when the platform does not report that figure.
    likes: Mapped[int | None] = mapped_column(Integer)
    comments: Mapped[int | None] = mapped_column(Integer)
    shares: Mapped[int | None] = mapped_column(Integer)
    impressions: Mapped[int | None] = mapped_column(Integer)
    views: Mapped[int | None] = mapped_column(Integer)
    # Computed at capture time from analytics.engagement (so a later change of the rule
    # does not silently rewrite history).
    engagement: Mapped[int] = mapped_column(Integer)


class MetricSync(Base):
    """When the sync last asked the platform about a post, and how that went. Due posts are
    taken least recently asked first, so a post the platform keeps refusing (deleted there,
    a dead token) is asked once per interval and never holds the batch from the others."""

    __tablename__ = "metric_syncs"

    post_id: Mapped[str] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    attempted_at: Mapped[datetime]
    # Platform errors in a row (0 after a snapshot) and the last one's code.
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(60))
