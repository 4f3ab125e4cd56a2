"""Emitting events. Callers pass the session of the change that caused the event."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.events.bus import BUS
from lowtato.events.models import Event
from lowtato.kit import clock
from lowtato.kit.ids import new_id


class EventType(StrEnum):
    post_scheduled = "post.scheduled"
    post_published = "post.published"
    post_failed = "post.failed"
    post_unconfirmed = "post.unconfirmed"
    account_connected = "account.connected"
    account_disconnected = "account.disconnected"
    credits_low = "credits.low"
    schedule_published = "schedule.published"
    # Webhook domain: a test delivery asked for by the owner, and the owner notice recorded
    # when an endpoint is disabled (410 Gone, or failing for 5 days).
    webhook_test = "webhook.test"
    webhook_disabled = "webhook.disabled"


async def emit(
    session: AsyncSession, *, owner_id: str, livemode: bool, type: EventType, data: dict[str, Any]
) -> Event:
    event = Event(
        id=new_id("evt"),
        owner_id=owner_id,
        livemode=livemode,
        type=type.value,
        data=data,
        created_at=clock.now(),
    )
    session.add(event)
    # Subscribers (webhook fan-out) write their part in this same transaction.
    await BUS.publish(session, event)
    return event
