"""Webhook endpoints: registration, the event fan-out, redelivery, tests, secret rotation and
disabling. Sending and judging attempts is in ``delivery``; the job handler in ``tasks``.

Deliveries are written by ``fan_out``, which the composition (``lowtato.runtime``) subscribes
to stored events (``events.bus``): it runs inside the very transaction that emitted the event,
so the event, one delivery row per subscribed endpoint and one job per delivery commit
together or not at all. Delivery order per endpoint is not
promised (retries and concurrent workers reorder them); receivers order by the payload's
``created_at`` and deduplicate on ``webhook-id``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Final

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.errors import Conflict, NotFound, ValidationFailed
from lowtato.events.models import Event
from lowtato.events.service import EventType, emit
from lowtato.idempotency import service as idempotency
from lowtato.jobs import queue
from lowtato.kit import clock
from lowtato.kit.crypto import KeyRing
from lowtato.kit.db import Database
from lowtato.kit.guarded_http import (
    OutboundRequestError,
    Resolver,
    UnsafeURLError,
    check_url,
    resolve_and_check,
)
from lowtato.kit.ids import new_id
from lowtato.kit.principal import Principal
from lowtato.kit.schemas import ListMeta
from lowtato.webhooks import repository, signing
from lowtato.webhooks.delivery import MAX_ATTEMPTS
from lowtato.webhooks.models import DeliveryStatus, DeliveryTrigger, Webhook, WebhookDelivery
from lowtato.webhooks.repository import DeliveryRepository, WebhookRepository
from lowtato.webhooks.schemas import (
    SUBSCRIBABLE,
    AttemptOut,
    DeliveryOut,
    WebhookCreate,
    WebhookCreated,
    WebhookOut,
    WebhookUpdate,
)

DELIVER_KIND: Final = "webhooks.deliver"
# Bounds the fan-out work done inside every emitting transaction (a publish, a connect).
MAX_WEBHOOKS: Final = 20
ROTATION_OVERLAP: Final = timedelta(hours=24)
OWNER_DISABLED: Final = "disabled by the owner (is_active set to false)"
# How long registration waits for DNS before letting the delivery-time check decide.
LOOKUP_SECONDS: Final = 5.0


@dataclass(frozen=True)
class Config:
    """What the webhook rules need from the process: the key ring, the SSRF setting and the
    DNS resolver registration uses (``None``: the system's; tests play DNS answers)."""

    keyring: KeyRing
    allow_private: bool
    resolver: Resolver | None = None


def job_key(delivery_id: str) -> str:
    return f"webhook.deliver:{delivery_id}"


def secret_aad(webhook_id: str, which: str) -> str:
    return f"webhooks.{which}:{webhook_id}"


def webhook_out(webhook: Webhook) -> WebhookOut:
    return WebhookOut(
        id=webhook.id,
        url=webhook.url,
        events=list(webhook.events),
        is_active=webhook.is_active,
        created_at=clock.iso(webhook.created_at) or "",
        updated_at=clock.iso(webhook.updated_at) or "",
        disabled_reason=webhook.disabled_reason,
        disabled_at=clock.iso(webhook.disabled_at),
        previous_secret_expires_at=_overlap_end(webhook, clock.now()),
    )


def delivery_out(delivery: WebhookDelivery) -> DeliveryOut:
    return DeliveryOut(
        id=delivery.id,
        webhook_id=delivery.webhook_id,
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        trigger=delivery.trigger,
        redelivery_of=delivery.redelivery_of,
        status=delivery.status,
        attempts=delivery.attempts,
        max_attempts=MAX_ATTEMPTS,
        response_status=delivery.response_status,
        duration_ms=delivery.duration_ms,
        error=delivery.error,
        created_at=clock.iso(delivery.created_at) or "",
        last_attempt_at=clock.iso(delivery.last_attempt_at),
        next_attempt_at=clock.iso(delivery.next_attempt_at),
        finished_at=clock.iso(delivery.finished_at),
        attempt_log=[AttemptOut(**entry) for entry in delivery.attempt_log or []],
    )


def _overlap_end(webhook: Webhook, now: datetime) -> str | None:
    expires = webhook.previous_secret_expires_at
    return clock.iso(expires) if webhook.previous_secret_enc and expires and expires > now else None


def signing_secrets(keyring: KeyRing, webhook: Webhook, now: datetime) -> list[str]:
    """The current secret, plus the previous one while a rotation's overlap lasts."""
    secrets = [keyring.decrypt(webhook.secret_enc, aad=secret_aad(webhook.id, "secret"))]
    if _overlap_end(webhook, now) is not None and webhook.previous_secret_enc:
        secrets.append(
            keyring.decrypt(
                webhook.previous_secret_enc, aad=secret_aad(webhook.id, "previous_secret")
            )
        )
    return secrets


def check_webhook_url(url: str, *, allow_private: bool) -> str:
    """The URL as it will be dialled, or 400 naming `url` with the reason."""
    try:
        return str(check_url(url.strip(), allow_private=allow_private, require_https=True))
    except UnsafeURLError as exc:
        raise ValidationFailed.field("url", exc.reason) from None


async def screen_webhook_url(url: str, config: Config) -> str:
    """``check_webhook_url``, then the host's DNS answers: a name resolving to a private
    address is 400 naming `url` at registration, not only later at delivery.

    Call it before opening a transaction (a lookup can take seconds). A name that does not
    resolve, or not in time, is accepted: its record may not exist yet, and every delivery
    resolves and checks the address it dials anyway.
    """
    checked = check_webhook_url(url, allow_private=config.allow_private)
    if config.allow_private:
        return checked
    parsed = httpx.URL(checked)
    try:
        async with asyncio.timeout(LOOKUP_SECONDS):
            await resolve_and_check(
                parsed.host, parsed.port or 443, allow_private=False, resolver=config.resolver
            )
    except UnsafeURLError as exc:
        raise ValidationFailed.field("url", exc.reason) from None
    except (OutboundRequestError, TimeoutError):
        pass
    return checked


def check_events(events_: Sequence[str]) -> list[str]:
    unknown = [e for e in events_ if e not in SUBSCRIBABLE]
    if unknown:
        known = ", ".join(SUBSCRIBABLE)
        raise ValidationFailed(
            f"unknown event type(s) {', '.join(map(repr, unknown))}; choose from: {known}",
            details=[
                {"field": f"events[{i}]", "message": f"unknown event type; choose from: {known}"}
                for i, e in enumerate(events_)
                if e not in SUBSCRIBABLE
            ],
        )
    return list(dict.fromkeys(events_))


async def create_webhook(
    session: AsyncSession, principal: Principal, config: Config, body: WebhookCreate
) -> WebhookCreated:
    url = check_webhook_url(body.url, allow_private=config.allow_private)
    events_ = check_events(body.events)
    repo = WebhookRepository(session, principal)
    if await repo.count() >= MAX_WEBHOOKS:
        raise Conflict(
            f"You already have {MAX_WEBHOOKS} webhooks in this mode, the most allowed; delete "
            "one or subscribe an existing endpoint to more events.",
        )
    now = clock.now()
    webhook_id = new_id("wh")
    secret = signing.new_secret()
    webhook = await repo.add(
        Webhook(
            id=webhook_id,
            **repo.owned_fields(),
            url=url,
            events=events_,
            is_active=True,
            secret_enc=config.keyring.encrypt(secret, aad=secret_aad(webhook_id, "secret")),
            created_at=now,
            updated_at=now,
        )
    )
    return WebhookCreated(
        id=webhook.id,
        url=webhook.url,
        events=list(webhook.events),
        active=True,
        is_active=True,
        secret=secret,
        created_at=clock.iso(now) or "",
    )


async def create_webhook_once(
    db: Database,
    principal: Principal,
    config: Config,
    body: WebhookCreate,
    key: idempotency.Key | None,
) -> idempotency.Outcome:
    """``create_webhook`` under the request's Idempotency-Key, if any.

    The URL is screened (DNS) before anything else. The stored first response leaves the
    secret out, since it would sit there in plain text for 24 h; a replay reads the webhook's
    current secret from its encrypted column instead.
    """
    await screen_webhook_url(body.url, config)
    shown: list[str] = []

    async def create(session: AsyncSession) -> tuple[int, dict[str, object]]:
        created = await create_webhook(session, principal, config, body)
        shown.append(created.secret)
        return 201, created.model_dump(exclude={"secret"})

    outcome = await idempotency.run(db, key, body.model_dump(), create)
    stored = outcome.body
    secret = shown[0] if shown else None
    if secret is None:
        async with db.transaction(readonly=True) as session:
            webhook = await WebhookRepository(session, principal).get(str(stored["id"]))
        if webhook is not None:
            secret = config.keyring.decrypt(
                webhook.secret_enc, aad=secret_aad(webhook.id, "secret")
            )
    return replace(outcome, body={**stored, "secret": secret})


async def list_webhooks(session: AsyncSession, principal: Principal) -> list[Webhook]:
    return await WebhookRepository(session, principal).all()


async def get_webhook(
    session: AsyncSession, principal: Principal, webhook_id: str, *, for_update: bool = False
) -> Webhook:
    return await WebhookRepository(session, principal).require(webhook_id, for_update=for_update)


async def update_webhook(
    session: AsyncSession,
    principal: Principal,
    config: Config,
    webhook_id: str,
    body: WebhookUpdate,
) -> Webhook:
    webhook = await get_webhook(session, principal, webhook_id, for_update=True)
    if body.url is not None:
        webhook.url = check_webhook_url(body.url, allow_private=config.allow_private)
    if body.events is not None:
        webhook.events = check_events(body.events)
    if body.is_active is True and not webhook.is_active:
        # A fresh start: the 5-day clock counts from the next failure, not the old streak.
        webhook.is_active = True
        webhook.disabled_reason = None
        webhook.disabled_at = None
        webhook.failing_since = None
    elif body.is_active is False and webhook.is_active:
        await disable(session, webhook, OWNER_DISABLED, notify=False)
    webhook.updated_at = clock.now()
    await session.flush()
    return webhook


async def change_webhook(
    db: Database, principal: Principal, config: Config, webhook_id: str, body: WebhookUpdate
) -> WebhookOut:
    """``update_webhook`` with a new URL screened (DNS) before the transaction opens."""
    if body.url is not None:
        await screen_webhook_url(body.url, config)
    async with db.transaction() as session:
        return webhook_out(await update_webhook(session, principal, config, webhook_id, body))


async def delete_webhook(session: AsyncSession, principal: Principal, webhook_id: str) -> None:
    webhook = await get_webhook(session, principal, webhook_id, for_update=True)
    for pending in await repository.pending_deliveries(session, webhook.id):
        await queue.cancel(session, job_key(pending.id))
    await WebhookRepository(session, principal).remove(
        webhook
    )  # its deliveries go with it (ON DELETE CASCADE)
    await session.flush()


async def rotate_secret(
    session: AsyncSession, principal: Principal, config: Config, webhook_id: str
) -> tuple[Webhook, str]:
    """A new secret signs from now on; the current one keeps signing for 24 h. Rotating again
    within the overlap retires the oldest secret at once (two secrets at most)."""
    webhook = await get_webhook(session, principal, webhook_id, for_update=True)
    ring = config.keyring
    current = ring.decrypt(webhook.secret_enc, aad=secret_aad(webhook.id, "secret"))
    secret = signing.new_secret()
    now = clock.now()
    webhook.previous_secret_enc = ring.encrypt(
        current, aad=secret_aad(webhook.id, "previous_secret")
    )
    webhook.previous_secret_expires_at = now + ROTATION_OVERLAP
    webhook.secret_enc = ring.encrypt(secret, aad=secret_aad(webhook.id, "secret"))
    webhook.updated_at = now
    await session.flush()
    return webhook, secret


async def list_deliveries(
    session: AsyncSession,
    principal: Principal,
    webhook_id: str,
    *,
    statuses: Sequence[str] | None,
    limit: int,
    offset: int,
) -> tuple[list[WebhookDelivery], ListMeta]:
    await get_webhook(session, principal, webhook_id)
    rows, total = await DeliveryRepository(session, principal).page(
        webhook_id, statuses=statuses, limit=limit, offset=offset
    )
    meta = ListMeta(limit=limit, offset=offset, count=total, has_more=offset + len(rows) < total)
    return rows, meta


def _refuse_if_disabled(webhook: Webhook) -> None:
    if not webhook.is_active:
        raise Conflict(
            f"Webhook {webhook.id} is disabled ({webhook.disabled_reason}); re-enable it with "
            "PUT /api/v1/webhooks/{id} and is_active: true first.",
            details={"disabled_reason": webhook.disabled_reason},
        )


async def redeliver(
    session: AsyncSession, principal: Principal, webhook_id: str, delivery_id: str
) -> WebhookDelivery:
    """Queue a new delivery of the same event (same `webhook-id`, same body bytes)."""
    webhook = await get_webhook(session, principal, webhook_id, for_update=True)
    source = await DeliveryRepository(session, principal).get_of(webhook.id, delivery_id)
    if source is None:
        raise NotFound.of("delivery", delivery_id)
    _refuse_if_disabled(webhook)
    return await _new_delivery(
        session,
        webhook,
        event_id=source.event_id,
        event_type=source.event_type,
        body=source.body,
        trigger=DeliveryTrigger.redeliver,
        redelivery_of=source.id,
    )


async def send_test(
    session: AsyncSession, principal: Principal, webhook_id: str
) -> WebhookDelivery:
    """Queue a `webhook.test` event to this endpoint only."""
    webhook = await get_webhook(session, principal, webhook_id, for_update=True)
    _refuse_if_disabled(webhook)
    event = await emit(
        session,
        owner_id=webhook.owner_id,
        livemode=webhook.livemode,
        type=EventType.webhook_test,
        data={
            "message": "A test event from Lowtato: your endpoint receives and verifies webhooks.",
            "webhook": webhook_out(webhook).model_dump(),
        },
    )
    return await _new_delivery(
        session,
        webhook,
        event_id=event.id,
        event_type=event.type,
        body=event_body(event),
        trigger=DeliveryTrigger.test,
    )


def event_body(event: Event) -> str:
    """The delivery body: the event with `data` being what the REST API returns for it."""
    payload: dict[str, Any] = {
        "id": event.id,
        "type": event.type,
        "created_at": clock.iso(event.created_at),
        "data": event.data,
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


async def _new_delivery(
    session: AsyncSession,
    webhook: Webhook,
    *,
    event_id: str,
    event_type: str,
    body: str,
    trigger: DeliveryTrigger,
    redelivery_of: str | None = None,
) -> WebhookDelivery:
    now = clock.now()
    delivery = WebhookDelivery(
        id=new_id("whd"),
        webhook_id=webhook.id,
        owner_id=webhook.owner_id,
        livemode=webhook.livemode,
        event_id=event_id,
        event_type=event_type,
        body=body,
        trigger=trigger.value,
        redelivery_of=redelivery_of,
        status=DeliveryStatus.pending.value,
        attempts=0,
        attempt_log=[],
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(delivery)
    await queue.enqueue(
        session,
        kind=DELIVER_KIND,
        key=job_key(delivery.id),
        payload={"delivery_id": delivery.id, "webhook_id": webhook.id},
        run_at=now,
        owner_id=webhook.owner_id,
        livemode=webhook.livemode,
    )
    return delivery


async def fan_out(session: AsyncSession, event: Event) -> None:
    """The event hook: one delivery (and its job) per active endpoint subscribed to the type,
    in the emitting transaction."""
    if event.type not in SUBSCRIBABLE:
        return
    targets = [
        w
        for w in await repository.active_webhooks(session, event.owner_id, event.livemode)
        if event.type in w.events
    ]
    if not targets:
        return
    body = event_body(event)
    for webhook in targets:
        await _new_delivery(
            session,
            webhook,
            event_id=event.id,
            event_type=event.type,
            body=body,
            trigger=DeliveryTrigger.event,
        )


async def disable(
    session: AsyncSession,
    webhook: Webhook,
    reason: str,
    *,
    notify: bool,
    keep: str | None = None,
) -> None:
    """Stop deliveries to ``webhook`` (already locked by the caller): its pending deliveries,
    except ``keep`` (the caller settles that one), fail and their jobs are cancelled. With
    ``notify`` a `webhook.disabled` event is recorded as the owner's notice."""
    now = clock.now()
    webhook.is_active = False
    webhook.disabled_reason = reason
    webhook.disabled_at = now
    webhook.updated_at = now
    for pending in await repository.pending_deliveries(session, webhook.id):
        if pending.id == keep:
            continue
        pending.status = DeliveryStatus.failed.value
        pending.error = f"not sent: the endpoint was disabled ({reason})"
        pending.next_attempt_at = None
        pending.finished_at = now
        pending.updated_at = now
        await queue.cancel(session, job_key(pending.id))
    if notify:
        await emit(
            session,
            owner_id=webhook.owner_id,
            livemode=webhook.livemode,
            type=EventType.webhook_disabled,
            data=webhook_out(webhook).model_dump(),
        )
