"""The prune queries: which rows of each table are finished and past retention.

Each target deletes at most ``limit`` rows per call, the oldest first, picked by a sub-select
on the indexed time column (each table's model declares that index), so every transaction
stays short.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, select
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from lowtato.accounts.oauth_models import OAuthState
from lowtato.events.models import Event
from lowtato.idempotency.models import IdempotencyRecord, IdempotencyState
from lowtato.platforms.sandbox.models import SandboxPost
from lowtato.webhooks.models import DeliveryStatus, WebhookDelivery

Conditions = Callable[[datetime], Sequence[ColumnElement[bool]]]


@dataclass(frozen=True)
class Target:
    """One table to prune: its id and time columns and what makes a row deletable at ``now``."""

    name: str
    id: InstrumentedAttribute[str]
    time: InstrumentedAttribute[Any]
    conditions: Conditions


def _pending_delivery_of_event() -> ColumnElement[bool]:
    return exists().where(
        WebhookDelivery.event_id == Event.id,
        WebhookDelivery.status == DeliveryStatus.pending.value,
    )


def targets(
    *,
    idempotency: timedelta,
    events: timedelta,
    deliveries: timedelta,
    oauth_states_after_expiry: timedelta,
    sandbox_posts: timedelta,
) -> list[Target]:
    """Deliveries before events, so an event whose last delivery goes in this run goes too."""
    return [
        Target(
            "idempotency_keys",
            IdempotencyRecord.id,
            IdempotencyRecord.created_at,
            lambda now: [
                IdempotencyRecord.created_at < now - idempotency,
                IdempotencyRecord.state
                != IdempotencyState.in_flight,  # its request may still be running
            ],
        ),
        Target(
            "oauth_states",
            OAuthState.id,
            OAuthState.expires_at,
            lambda now: [OAuthState.expires_at < now - oauth_states_after_expiry],
        ),
        Target(
            "webhook_deliveries",
            WebhookDelivery.id,
            WebhookDelivery.created_at,
            lambda now: [
                WebhookDelivery.created_at < now - deliveries,
                WebhookDelivery.status != DeliveryStatus.pending.value,
            ],
        ),
        Target(
            "events",
            Event.id,
            Event.created_at,
            lambda now: [Event.created_at < now - events, ~_pending_delivery_of_event()],
        ),
        Target(
            "sandbox_posts",
            SandboxPost.id,
            SandboxPost.created_at,
            lambda now: [SandboxPost.created_at < now - sandbox_posts],
        ),
    ]


async def delete_batch(session: AsyncSession, target: Target, now: datetime, limit: int) -> int:
    """Delete up to ``limit`` deletable rows of ``target`` (the oldest first); how many went."""
    oldest = select(target.id).where(*target.conditions(now)).order_by(target.time).limit(limit)
    table = target.id.class_
    result: CursorResult[Any] = await session.execute(  # type: ignore[assignment]
        delete(table)
        .where(target.id.in_(oldest.scalar_subquery()))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)
