"""Stripe's webhook: verify the signature, then apply each event exactly once.

The event's id is inserted into ``stripe_events`` in the transaction that applies it, so a
redelivery (or a concurrent duplicate) finds the row and changes nothing.

What each event does:

- ``checkout.session.completed`` (or ``checkout.session.async_payment_succeeded``), paid:
  a plan checkout stores the subscription and puts the owner on the plan
  (``credits.change_plan``: the balance is topped up to the plan's monthly allocation);
  a top-up grants the credits bought (ledger reason ``topup``).
- ``customer.subscription.updated``: its status is stored; ``active``/``trialing`` sets the
  plan named in its metadata (or matched by price), ``canceled``/``unpaid``/
  ``incomplete_expired`` puts the owner on the free plan; ``past_due`` keeps the plan.
- ``customer.subscription.deleted``: the free plan.
- ``invoice.payment_failed``: recorded on the customer; the plan stays until Stripe gives
  up and deletes the subscription.
- anything else: recorded and ignored.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.billing import credits, repository
from lowtato.billing.models import BillingCustomer, SubscriptionStatus
from lowtato.billing.stripe_api import stripe
from lowtato.config import Settings
from lowtato.errors import BadRequest, NotFound
from lowtato.kit import clock
from lowtato.plans import PLANS, PlanName

TOLERANCE_SECONDS = 300
ENDS_PLAN = {"canceled", "unpaid", "incomplete_expired"}
KEEPS_PLAN = {"active", "trialing"}


def verify(settings: Settings, payload: bytes, signature: str | None) -> dict[str, Any]:
    """The event, if ``Stripe-Signature`` proves Stripe sent ``payload`` in the last 5 min."""
    if not settings.stripe_secret_key.get_secret_value():
        raise NotFound("Billing is not configured on this server (LOWTATO_STRIPE_SECRET_KEY).")
    secret = settings.stripe_webhook_secret.get_secret_value()
    if not secret:
        raise NotFound("The Stripe webhook is not configured (LOWTATO_STRIPE_WEBHOOK_SECRET).")
    try:
        stripe.WebhookSignature.verify_header(payload, signature, secret, TOLERANCE_SECONDS)
        event = json.loads(payload)
    except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError) as exc:
        msg = (
            "The Stripe-Signature header does not prove this body came from Stripe in the last "
            "5 minutes; check LOWTATO_STRIPE_WEBHOOK_SECRET matches the endpoint's signing secret."
        )
        raise BadRequest(msg) from exc
    if not isinstance(event, dict) or not isinstance(event.get("id"), str):
        msg = "The body is not a Stripe event (no id)."
        raise BadRequest(msg)
    return event


async def receive(
    session: AsyncSession, settings: Settings, payload: bytes, signature: str | None
) -> bool:
    """Verify and apply one delivery; False when the event was applied before."""
    return await apply(session, verify(settings, payload, signature))


def _obj(event: dict[str, Any]) -> dict[str, Any]:
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    return obj if isinstance(obj, dict) else {}


def _meta(obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


async def _owner_of(session: AsyncSession, obj: dict[str, Any]) -> str | None:
    """The owner a Stripe object belongs to: by the customer Lowtato created, else by the
    owner id Lowtato put in it, if that owner exists."""
    customer_id = _str(obj.get("customer"))
    if customer_id:
        found = await repository.customer_by_stripe_id(session, customer_id)
        if found is not None:
            return found.owner_id
    owner_id = _str(obj.get("client_reference_id")) or _str(_meta(obj).get("owner_id"))
    if owner_id and await repository.owner(session, owner_id) is not None:
        return owner_id
    return None


async def apply(session: AsyncSession, event: dict[str, Any]) -> bool:
    type_ = str(event.get("type", ""))
    obj = _obj(event)
    owner_id = await _owner_of(session, obj)
    if not await repository.record_event(session, event["id"], type_[:100], owner_id):
        return False
    if owner_id is None:
        return True
    if type_ in {"checkout.session.completed", "checkout.session.async_payment_succeeded"}:
        await _checkout_paid(session, owner_id, obj)
    elif type_ in {"customer.subscription.updated", "customer.subscription.deleted"}:
        status = "canceled" if type_.endswith("deleted") else str(obj.get("status", ""))
        await _subscription(session, owner_id, obj, status)
    elif type_ == "invoice.payment_failed":
        found = await repository.customer(session, owner_id)
        if found is not None:
            found.last_payment_failed_at = found.updated_at = clock.now()
    return True


async def _customer(session: AsyncSession, owner_id: str, obj: dict[str, Any]) -> BillingCustomer:
    customer_id = _str(obj.get("customer"))
    found = await repository.customer(session, owner_id)
    if found is None and customer_id:
        found = await repository.keep_customer(session, owner_id, customer_id)
    if found is None:
        msg = "a paid checkout without a customer"
        raise BadRequest(msg)
    return found


async def _checkout_paid(session: AsyncSession, owner_id: str, obj: dict[str, Any]) -> None:
    if obj.get("payment_status") not in {"paid", "no_payment_required"}:
        return  # an asynchronous payment: async_payment_succeeded applies it later
    meta = _meta(obj)
    if obj.get("mode") == "subscription" and meta.get("plan") in PLANS:
        found = await _customer(session, owner_id, obj)
        found.subscription_id = _str(obj.get("subscription"))
        found.subscription_status = SubscriptionStatus.active.value
        found.updated_at = clock.now()
        await credits.change_plan(session, owner_id, PlanName(meta["plan"]))
    elif obj.get("mode") == "payment" and meta.get("kind") == "topup":
        await _customer(session, owner_id, obj)
        bought = int(str(meta.get("credits", "0")))
        if bought > 0:
            await credits.grant(session, owner_id, bought * 100, "topup")


def _plan_of(subscription: dict[str, Any]) -> PlanName | None:
    named = _meta(subscription).get("plan")
    if named in PLANS and named != PlanName.free:
        return PlanName(named)
    items = subscription.get("items")
    data = items.get("data") if isinstance(items, dict) else None
    if not isinstance(data, list) or not data or not isinstance(data[0], dict):
        return None
    price = data[0].get("price")
    amount = price.get("unit_amount") if isinstance(price, dict) else None
    for plan in PLANS.values():
        if plan.price_usd_month and plan.price_usd_month * 100 == amount:
            return plan.name
    return None


async def _subscription(
    session: AsyncSession, owner_id: str, obj: dict[str, Any], status: str
) -> None:
    found = await repository.customer(session, owner_id)
    subscription_id = _str(obj.get("id"))
    if found is None or status not in SubscriptionStatus.__members__:
        return
    if found.subscription_id and found.subscription_id != subscription_id:
        return  # about an older subscription than the one the owner has now
    found.subscription_id = subscription_id
    found.subscription_status = status
    found.updated_at = clock.now()
    if status in ENDS_PLAN:
        await credits.change_plan(session, owner_id, PlanName.free)
    elif status in KEEPS_PLAN and (plan := _plan_of(obj)) is not None:
        await credits.change_plan(session, owner_id, plan)
