"""``/api/v1/webhooks``: endpoints that receive signed event deliveries."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from lowtato.auth.deps import WebhooksWrite
from lowtato.idempotency import http as idempotency
from lowtato.kit import clock
from lowtato.kit.params import Limit, Offset
from lowtato.kit.routing import JSONRoute
from lowtato.kit.schemas import Deleted
from lowtato.kit.session import Session
from lowtato.webhooks import service
from lowtato.webhooks.models import DeliveryStatus
from lowtato.webhooks.schemas import (
    DeliveryList,
    DeliveryOut,
    SecretRotated,
    WebhookCreate,
    WebhookCreated,
    WebhookDelete,
    WebhookList,
    WebhookOut,
    WebhookUpdate,
)

router = APIRouter(prefix="/api/v1/webhooks", tags=["Webhooks"], route_class=JSONRoute)

FORMAT_DOC = (
    " Deliveries follow Standard Webhooks (https://www.standardwebhooks.com): a JSON body "
    "`{id, type, created_at, data}` (`data` is the object the REST API returns, e.g. the post) "
    "with headers `webhook-id` (the event id: the same on every retry and redelivery — "
    "deduplicate on it), `webhook-timestamp` (Unix seconds of this attempt) and "
    "`webhook-signature` (`v1,<base64 HMAC-SHA256 of id.timestamp.body>`; two space-separated "
    "signatures during a secret rotation). Only 2xx counts as delivered; redirects are not "
    "followed; 410 Gone disables the endpoint. Failed deliveries are retried after 5 s, 5 min, "
    "30 min, 2 h, 5 h, 10 h and 10 h (8 attempts over about 27.5 h), honouring `Retry-After`; "
    "an endpoint whose deliveries all fail for 5 days is disabled. Delivery order is not "
    "guaranteed: order by `created_at` in the body."
)


async def _config(request: Request) -> service.Config:
    state = request.app.state
    return service.Config(
        keyring=state.keyring,
        allow_private=state.settings.allow_private_urls,
        resolver=state.url_resolver,
    )


Config = Annotated[service.Config, Depends(_config)]


@router.post(
    "",
    summary="Register a webhook",
    status_code=201,
    response_model=WebhookCreated,
    responses={200: {"description": "Idempotent replay of an earlier create."}},
    dependencies=[idempotency.IDEMPOTENT],
    description="Register an HTTPS `url` to receive the `events` listed (post.published, "
    "post.failed, post.scheduled, post.unconfirmed, account.connected, account.disconnected, "
    "credits.low, schedule.published). The URL must be HTTPS and must not point at a private, "
    "loopback, link-local or metadata address (400 `validation_error` naming `url` says why). "
    "Answers with the signing `secret` (`whsec_…`), shown here and never again (an "
    "`Idempotency-Key` replay within 24 h shows the current secret again, with status 200 "
    "and `Idempotent-Replayed: true`). At most 20 webhooks per key mode (409 `conflict`)."
    + FORMAT_DOC,
)
async def create_webhook(
    body: WebhookCreate,
    principal: WebhooksWrite,
    config: Config,
    request: Request,
) -> JSONResponse:
    key = idempotency.key_from(request, principal)
    outcome = await service.create_webhook_once(request.app.state.db, principal, config, body, key)
    return idempotency.respond(outcome)


@router.get("", summary="List webhooks")
async def list_webhooks(principal: WebhooksWrite, session: Session) -> WebhookList:
    """Every webhook of this key's owner and mode, oldest first. A disabled one has
    `is_active: false` and says why in `disabled_reason`."""
    hooks = await service.list_webhooks(session, principal)
    return WebhookList(webhooks=[service.webhook_out(w) for w in hooks])


@router.delete("", summary="Delete a webhook (id in the body)")
async def delete_webhook_by_body(
    body: WebhookDelete, principal: WebhooksWrite, session: Session
) -> Deleted:
    """The contract's form: body `{id}`. Same as DELETE /api/v1/webhooks/{id}; pending
    deliveries are dropped."""
    await service.delete_webhook(session, principal, body.id)
    return Deleted()


@router.get("/{webhook_id}", summary="Get a webhook")
async def get_webhook(webhook_id: str, principal: WebhooksWrite, session: Session) -> WebhookOut:
    """The webhook without its secret (rotate it to get a new one)."""
    return service.webhook_out(await service.get_webhook(session, principal, webhook_id))


@router.put("/{webhook_id}", summary="Update a webhook")
async def update_webhook(
    webhook_id: str,
    body: WebhookUpdate,
    principal: WebhooksWrite,
    config: Config,
    request: Request,
) -> WebhookOut:
    """Change `url` (checked like on create), `events`, or `is_active`. `is_active: false`
    pauses the endpoint and drops its pending deliveries; `is_active: true` re-enables a
    disabled endpoint and starts its failure count afresh."""
    return await service.change_webhook(request.app.state.db, principal, config, webhook_id, body)


@router.delete("/{webhook_id}", summary="Delete a webhook")
async def delete_webhook(webhook_id: str, principal: WebhooksWrite, session: Session) -> Deleted:
    """Deletes the webhook and its delivery log; pending deliveries are dropped."""
    await service.delete_webhook(session, principal, webhook_id)
    return Deleted()


@router.get("/{webhook_id}/deliveries", summary="List a webhook's deliveries")
async def list_deliveries(
    *,
    webhook_id: str,
    principal: WebhooksWrite,
    session: Session,
    status: Annotated[list[DeliveryStatus] | None, Query()] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> DeliveryList:
    """The delivery log, newest first: status (`pending`, `succeeded`, `failed`), attempts,
    the last response's status, duration and error, when the next attempt is due, and one
    `attempt_log` entry per attempt. Filter by `status` (repeatable); `meta.count` is the
    total."""
    rows, meta = await service.list_deliveries(
        session,
        principal,
        webhook_id,
        statuses=[s.value for s in status] if status else None,
        limit=limit,
        offset=offset,
    )
    return DeliveryList(deliveries=[service.delivery_out(d) for d in rows], meta=meta)


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/redeliver",
    summary="Send a delivery again",
    status_code=202,
)
async def redeliver(
    webhook_id: str, delivery_id: str, principal: WebhooksWrite, session: Session
) -> DeliveryOut:
    """Queues a new delivery of the same event: the same body and the same `webhook-id`
    (receivers that deduplicate will drop it if they already processed it), a fresh
    timestamp and signature, and its own retries. A disabled endpoint is 409 `conflict`."""
    return service.delivery_out(
        await service.redeliver(session, principal, webhook_id, delivery_id)
    )


@router.post("/{webhook_id}/test", summary="Send a test event", status_code=202)
async def send_test(webhook_id: str, principal: WebhooksWrite, session: Session) -> DeliveryOut:
    """Queues a `webhook.test` event to this endpoint only; follow it in the delivery log.
    A disabled endpoint is 409 `conflict`."""
    return service.delivery_out(await service.send_test(session, principal, webhook_id))


@router.post("/{webhook_id}/rotate-secret", summary="Rotate the signing secret")
async def rotate_secret(
    webhook_id: str, principal: WebhooksWrite, session: Session, config: Config
) -> SecretRotated:
    """Returns a new `whsec_…` secret (shown once). For the next 24 h every delivery carries
    two signatures, by the new and the old secret, so you can switch your receiver over
    without dropping any; then the old one stops signing."""
    webhook, secret = await service.rotate_secret(session, principal, config, webhook_id)
    return SecretRotated(
        id=webhook.id,
        secret=secret,
        previous_secret_expires_at=clock.iso(webhook.previous_secret_expires_at) or "",
    )
