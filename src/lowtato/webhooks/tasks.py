"""The delivery job: one attempt per run, in three steps like publishing.

1. (fenced transaction) read the delivery and its endpoint; give up if the delivery is no
   longer pending or the endpoint is gone or disabled; sign the body with the current secret(s)
   and a fresh timestamp.
2. send it with the guarded client, outside any transaction.
3. (fenced transaction) record the attempt in the delivery log, then: succeeded (the
   endpoint's failure streak ends), failed (410 Gone or the 5-day streak disables the
   endpoint; or out of attempts), or pending again at the next scheduled time, which the
   handler hands to the job queue as ``RetryLater``.

Deliveries are at least once: an attempt whose worker died after sending is sent again (with
the same `webhook-id`, so the receiver can drop the duplicate). A rescued job that finds its
delivery not yet due (step 3 committed, the job's own reschedule did not) just waits again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.jobs.leases import JobContext
from lowtato.jobs.registry import Registry, RetryLater, RetryPolicy
from lowtato.kit import clock, metrics
from lowtato.kit.crypto import KeyRing
from lowtato.webhooks import repository, service, signing
from lowtato.webhooks.delivery import AttemptResult, Verdict, WebhookSender, next_attempt_at
from lowtato.webhooks.models import DeliveryStatus, Webhook, WebhookDelivery
from lowtato.webhooks.ports import WebhookServices

# An endpoint whose every attempt has failed for this long is disabled.
DISABLE_AFTER: Final = timedelta(days=5)
# Job runs allowed per delivery: its 8 attempts plus room for rescues after worker crashes.
JOB_ATTEMPTS: Final = 12
# A delivery due within this much is sent now rather than parked for a second.
_DUE_SLACK: Final = timedelta(seconds=1)


def install(
    registry: Registry, services: WebhookServices, *, sender: WebhookSender | None = None
) -> None:
    """Register the delivery job. ``sender`` replaces the default one (tests inject a DNS
    resolver or a short timeout through it)."""
    chosen = sender or WebhookSender(allow_private=services.settings.allow_private_urls)

    # The policy only covers unexpected errors (a database hiccup); the delivery schedule
    # itself comes from RetryLater.
    @registry.register(service.DELIVER_KIND, retry=RetryPolicy(base=5, factor=4, max_delay=3600),
                       max_attempts=JOB_ATTEMPTS, timeout=60)  # fmt: skip
    async def deliver(ctx: JobContext) -> None:
        await deliver_once(ctx, services.keyring, chosen)


@dataclass(frozen=True)
class _Prepared:
    url: str
    headers: dict[str, str]
    body: bytes


async def deliver_once(ctx: JobContext, keyring: KeyRing, sender: WebhookSender) -> None:
    delivery_id = str(ctx.payload["delivery_id"])
    last_run = ctx.attempt >= ctx.max_attempts
    async with ctx.fenced() as session:
        step = await _prepare(session, keyring, delivery_id, wait=not last_run)
    if isinstance(step, datetime):
        raise RetryLater(step, "not due yet")
    if step is None:
        return
    result = await sender.send(step.url, step.headers, step.body)
    metrics.WEBHOOK_DELIVERIES.labels(result.verdict.value).inc()
    metrics.WEBHOOK_LATENCY.observe(result.duration_ms / 1000)
    # A settled delivery completes the job in the same transaction (one commit, not two);
    # a failure may still be rescheduled, which the worker records from RetryLater.
    async with ctx.fenced(done=result.verdict is not Verdict.retry) as session:
        retry_at = await _record(session, delivery_id, result, last_run=last_run)
    if retry_at is not None:
        raise RetryLater(retry_at, result.error or "delivery failed")


async def _prepare(
    session: AsyncSession, keyring: KeyRing, delivery_id: str, *, wait: bool
) -> _Prepared | datetime | None:
    """What to send, None if nothing, or when the delivery is due (only with ``wait``: the
    job's last run sends at once rather than end with the delivery still pending)."""
    delivery = await repository.delivery(session, delivery_id)
    if delivery is None or delivery.status != DeliveryStatus.pending:
        return None
    webhook = await repository.webhook_for_update(session, delivery.webhook_id)
    if webhook is None:
        return None
    now = clock.now()
    if not webhook.is_active:
        _finish(delivery, DeliveryStatus.failed, now, "not sent: the endpoint is disabled")
        return None
    due = delivery.next_attempt_at
    if wait and due is not None and due > now + _DUE_SLACK:
        return due
    body = delivery.body.encode()
    secrets = service.signing_secrets(keyring, webhook, now)
    headers = signing.headers(secrets, delivery.event_id, int(now.timestamp()), body)
    return _Prepared(webhook.url, headers, body)


def _finish(
    delivery: WebhookDelivery, status: DeliveryStatus, now: datetime, error: str | None
) -> None:
    delivery.status = status.value
    delivery.error = error
    delivery.next_attempt_at = None
    delivery.finished_at = now
    delivery.updated_at = now


async def _record(
    session: AsyncSession, delivery_id: str, result: AttemptResult, *, last_run: bool
) -> datetime | None:
    """Log the attempt and settle or reschedule the delivery; returns the retry time."""
    found = await repository.delivery(session, delivery_id)
    if found is None:
        return None
    webhook = await repository.webhook_for_update(session, found.webhook_id)
    delivery = await repository.delivery(session, delivery_id, for_update=True)
    if webhook is None or delivery is None or delivery.status != DeliveryStatus.pending:
        return None  # deleted, disabled or settled while this attempt was in flight
    now = clock.now()
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.response_status = result.status_code
    delivery.duration_ms = result.duration_ms
    delivery.error = result.error
    delivery.updated_at = now
    delivery.attempt_log = [
        *(delivery.attempt_log or []),
        {
            "attempt": delivery.attempts,
            "at": clock.iso(now),
            "status_code": result.status_code,
            "duration_ms": result.duration_ms,
            "error": result.error,
        },
    ]
    return await _settle(session, webhook, delivery, result, now, last_run=last_run)


async def _settle(
    session: AsyncSession,
    webhook: Webhook,
    delivery: WebhookDelivery,
    result: AttemptResult,
    now: datetime,
    *,
    last_run: bool,
) -> datetime | None:
    if result.verdict is Verdict.succeeded:
        _finish(delivery, DeliveryStatus.succeeded, now, None)
        webhook.failing_since = None
        webhook.last_success_at = now
        return None

    webhook.failing_since = webhook.failing_since or now
    if result.verdict is Verdict.gone:
        _finish(delivery, DeliveryStatus.failed, now, result.error)
        reason = f"the endpoint answered 410 Gone at {clock.iso(now)}"
        await service.disable(session, webhook, reason, notify=True, keep=delivery.id)
        return None
    if now - webhook.failing_since >= DISABLE_AFTER:
        _finish(delivery, DeliveryStatus.failed, now, result.error)
        reason = (
            f"every delivery attempt failed for 5 days (since "
            f"{clock.iso(webhook.failing_since)}); last error: {result.error}"
        )
        await service.disable(session, webhook, reason, notify=True, keep=delivery.id)
        return None
    retry_at = next_attempt_at(delivery.attempts, now, result.retry_after)
    if retry_at is None or last_run:
        _finish(delivery, DeliveryStatus.failed, now, result.error)
        return None
    delivery.next_attempt_at = retry_at
    return retry_at
