"""Webhook endpoints and their deliveries.

A ``Webhook`` is one receiving URL of one owner in one mode, with its signing secret stored
only as ciphertext bound to the row (``kit/crypto``). A ``WebhookDelivery`` is one event on its
way to one endpoint: written in the transaction that emitted the event, together with the job
that sends it, and updated after every attempt (the delivery log).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lowtato.kit.db import Base, enum_check


class DeliveryStatus(StrEnum):
    pending = "pending"  # waiting for its first attempt or for a retry
    succeeded = "succeeded"  # the endpoint answered 2xx
    failed = "failed"  # out of attempts, 410 Gone, or the endpoint was disabled or deleted


class DeliveryTrigger(StrEnum):
    event = "event"  # fanned out from an event the endpoint subscribes to
    redeliver = "redeliver"  # POST …/deliveries/{id}/redeliver
    test = "test"  # POST …/test


class Webhook(Base):
    __tablename__ = "webhooks"
    __table_args__ = (Index("ix_webhooks_owner", "owner_id", "livemode", "created_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    livemode: Mapped[bool] = mapped_column(Boolean)
    url: Mapped[str] = mapped_column(Text)
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    secret_enc: Mapped[str] = mapped_column(Text)
    # After a rotation the old secret keeps signing (as a second signature) until this time.
    previous_secret_enc: Mapped[str | None] = mapped_column(Text)
    previous_secret_expires_at: Mapped[datetime | None]
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    disabled_at: Mapped[datetime | None]
    # First failed attempt since the last success: the 5-day auto-disable clock.
    failing_since: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_webhook", "webhook_id", "created_at"),
        Index("ix_webhook_deliveries_owner", "owner_id", "livemode", "created_at"),
        Index("ix_webhook_deliveries_pending", "webhook_id", "status"),
        Index("ix_webhook_deliveries_created_at", "created_at"),  # the prune batches
        # The prune's "does a pending delivery still need this event?"
        Index("ix_webhook_deliveries_event", "event_id", "status"),
        enum_check("status", DeliveryStatus),
        enum_check("trigger", DeliveryTrigger),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    webhook_id: Mapped[str] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    livemode: Mapped[bool] = mapped_column(Boolean)
    # The Standard Webhooks `webhook-id`: the event's id, the same on every attempt and
    # every redelivery, so receivers can deduplicate on it.
    event_id: Mapped[str] = mapped_column(String(40))
    event_type: Mapped[str] = mapped_column(String(60))
    # The exact JSON body sent ({id, type, created_at, data}); every attempt sends these bytes.
    body: Mapped[str] = mapped_column(Text)
    trigger: Mapped[str] = mapped_column(String(20), default=DeliveryTrigger.event.value)
    redelivery_of: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default=DeliveryStatus.pending.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    response_status: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    # One entry per attempt: {attempt, at, status_code, duration_ms, error}.
    attempt_log: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    next_attempt_at: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
