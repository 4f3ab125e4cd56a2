"""SQL for webhooks and their deliveries.

Requests go through the owner+mode scoped repositories. The event hook and the delivery job
act for an owner without a key, so they use the plain functions below, which take the owner
(or the row id the job was given) explicitly.

Lock order, everywhere: the webhook row first, then its deliveries. Recording an attempt and
disabling an endpoint both touch both, and one order means they can never deadlock.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.kit.db import memo
from lowtato.kit.repository import OwnedRepository
from lowtato.webhooks.models import DeliveryStatus, Webhook, WebhookDelivery


class WebhookRepository(OwnedRepository[Webhook]):
    model = Webhook
    noun = "webhook"

    async def all(self) -> list[Webhook]:
        stmt = self.scoped().order_by(Webhook.created_at, Webhook.id)
        return list((await self.session.execute(stmt)).scalars())


class DeliveryRepository(OwnedRepository[WebhookDelivery]):
    model = WebhookDelivery
    noun = "delivery"

    async def get_of(self, webhook_id: str, delivery_id: str) -> WebhookDelivery | None:
        stmt = self.scoped().where(
            WebhookDelivery.id == delivery_id, WebhookDelivery.webhook_id == webhook_id
        )
        found: WebhookDelivery | None = (await self.session.execute(stmt)).scalar_one_or_none()
        return found

    async def page(
        self, webhook_id: str, *, statuses: Sequence[str] | None, limit: int, offset: int
    ) -> tuple[list[WebhookDelivery], int]:
        """Newest first."""
        stmt = self.scoped().where(WebhookDelivery.webhook_id == webhook_id)
        if statuses:
            stmt = stmt.where(WebhookDelivery.status.in_(list(statuses)))
        rows = await self.session.execute(
            stmt.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return list(rows.scalars()), await self.count(stmt)


async def active_webhooks(session: AsyncSession, owner_id: str, livemode: bool) -> list[Webhook]:
    """The owner's enabled endpoints in one mode (the event hook filters them by type).

    Read once per owner in a transaction that keeps a memo (a group commit of many posts'
    outcomes emits an event for each)."""
    reads = memo(session)
    key = ("active_webhooks", owner_id, livemode)
    if reads is not None and key in reads:
        return list(reads[key])
    stmt = (
        select(Webhook)
        .where(Webhook.owner_id == owner_id, Webhook.livemode == livemode, Webhook.is_active)
        .order_by(Webhook.created_at, Webhook.id)
    )
    found = list((await session.execute(stmt)).scalars())
    if reads is not None:
        reads[key] = found
    return list(found)


async def webhook_for_update(session: AsyncSession, webhook_id: str) -> Webhook | None:
    stmt = select(Webhook).where(Webhook.id == webhook_id).with_for_update()
    found: Webhook | None = (
        await session.execute(stmt.execution_options(populate_existing=True))
    ).scalar_one_or_none()
    return found


async def delivery(
    session: AsyncSession, delivery_id: str, *, for_update: bool = False
) -> WebhookDelivery | None:
    stmt = select(WebhookDelivery).where(WebhookDelivery.id == delivery_id)
    if for_update:
        stmt = stmt.with_for_update()
    found: WebhookDelivery | None = (
        await session.execute(stmt.execution_options(populate_existing=True))
    ).scalar_one_or_none()
    return found


async def pending_deliveries(session: AsyncSession, webhook_id: str) -> list[WebhookDelivery]:
    stmt = (
        select(WebhookDelivery)
        .where(
            WebhookDelivery.webhook_id == webhook_id,
            WebhookDelivery.status == DeliveryStatus.pending.value,
        )
        .with_for_update()
    )
    return list((await session.execute(stmt)).scalars())


async def recent_deliveries(
    session: AsyncSession,
    *,
    owner_id: str | None = None,
    webhook_id: str | None = None,
    status: str | None = None,
    limit: int = 100,
) -> list[WebhookDelivery]:
    """Newest first, for the operator (``lowtato webhooks deliveries``)."""
    stmt = select(WebhookDelivery).order_by(
        WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc()
    )
    if owner_id:
        stmt = stmt.where(WebhookDelivery.owner_id == owner_id)
    if webhook_id:
        stmt = stmt.where(WebhookDelivery.webhook_id == webhook_id)
    if status:
        stmt = stmt.where(WebhookDelivery.status == status)
    return list((await session.execute(stmt.limit(limit))).scalars())
