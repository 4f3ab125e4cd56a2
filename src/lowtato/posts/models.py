"""Posts: one post targets one account (and optionally one subaccount)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lowtato.kit.db import Base, enum_check


class PostStatus(StrEnum):
    draft = "draft"
    scheduled = "scheduled"
    publishing = "publishing"
    published = "published"
    failed = "failed"


class PublishState(StrEnum):
    """Where a `publishing` post is: about to send, or sent with an unknown outcome."""

    sending = "sending"  # the request may be on its way: never send again, reconcile
    retrying = "retrying"  # the last attempt did not reach the platform; it will be retried
    unconfirmed = "unconfirmed"  # sent, answer lost: being reconciled


class PostOrigin(StrEnum):
    """How a post was created."""

    api = "api"  # POST /api/v1/posts
    bulk = "bulk"  # POST /api/v1/posts/bulk


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (
        Index("ix_posts_owner_status_time", "owner_id", "livemode", "status", "scheduled_time"),
        Index("ix_posts_account_time", "account_id", "scheduled_time"),
        Index("ix_posts_owner_created", "owner_id", "livemode", "created_at", "id"),
        enum_check("status", PostStatus),
        enum_check("publish_state", PublishState),
        enum_check("origin", PostOrigin),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    livemode: Mapped[bool] = mapped_column(Boolean)
    account_id: Mapped[str] = mapped_column(ForeignKey("social_accounts.id", ondelete="CASCADE"))
    subaccount_id: Mapped[str | None] = mapped_column(String(40))
    platform: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    publish_state: Mapped[str | None] = mapped_column(String(20))
    content_text: Mapped[str] = mapped_column(Text, default="")
    media_urls: Mapped[list[str]] = mapped_column(JSON, default=list)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    scheduled_time: Mapped[datetime | None]
    # Set when the time came from a recurring slot (useNextFreeSlot); drives schedule.published.
    slot_id: Mapped[str | None] = mapped_column(String(40))
    origin: Mapped[str] = mapped_column(String(20), default=PostOrigin.api.value)
    published_at: Mapped[datetime | None]
    public_url: Mapped[str | None] = mapped_column(Text)
    platform_post_id: Mapped[str | None] = mapped_column(String(300))
    error_code: Mapped[str | None] = mapped_column(String(60))
    error_message: Mapped[str | None] = mapped_column(Text)
    # Extra platform results (e.g. ids of the rest of an X thread, partial failures).
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    publish_attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Engine bookkeeping: when the last request to the platform may have started (reconcile
    # looks for posts created since then), and how many times a verified-absent post was
    # published again after an attempt of ours stopped short.
    send_started_at: Mapped[datetime | None]
    recoveries: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


@dataclass(frozen=True, slots=True)
class PostFilter:
    """Which posts a listing shows (every condition optional)."""

    statuses: Sequence[str] = ()
    account_id: str | None = None
    time_from: datetime | None = None
    time_to: datetime | None = None
