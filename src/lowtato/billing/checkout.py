"""Stripe Checkout for a plan subscription or a credit top-up, and cancelling the plan.

Each flow opens its own short transactions and makes every Stripe call between them, so no
database lock is held while Stripe answers.
"""

from __future__ import annotations

import hashlib

from lowtato.billing import repository
from lowtato.billing.models import SubscriptionStatus
from lowtato.billing.ports import BillingServices
from lowtato.billing.schemas import CancelOut, CheckoutIn, CheckoutOut
from lowtato.billing.service import gateway, stripe_failed
from lowtato.billing.stripe_api import LineItem, stripe
from lowtato.errors import Conflict, Forbidden, IdempotencyKeyReused, NotFound
from lowtato.kit.principal import Principal
from lowtato.plans import PLANS, PlanName, cents_for_credits

# A subscription in one of these still bills the owner: a second one would bill twice.
LIVE_SUBSCRIPTION = {
    SubscriptionStatus.active,
    SubscriptionStatus.trialing,
    SubscriptionStatus.past_due,
}


def _live_key(principal: Principal) -> None:
    if not principal.livemode:
        msg = "Billing moves real money, so it needs a live key (lt_live_…); test keys cannot."
        raise Forbidden(msg)


def _line(body: CheckoutIn) -> tuple[LineItem, dict[str, str]]:
    if body.plan is not None:
        plan = PLANS[PlanName(body.plan)]
        item = LineItem(f"Lowtato {plan.name.value.capitalize()} plan",
                        plan.price_usd_month * 100, recurring=True)  # fmt: skip
        return item, {"kind": "plan", "plan": plan.name.value}
    credits = body.credits or 0
    item = LineItem(f"{credits} Lowtato credits", cents_for_credits(credits * 100),
                    recurring=False)  # fmt: skip
    return item, {"kind": "topup", "credits": str(credits)}


def _stripe_key(principal: Principal, key: str | None) -> str | None:
    if key is None:
        return None
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"lowtato-checkout-{principal.user_id}-{principal.mode}-{digest}"


async def _customer_id(services: BillingServices, principal: Principal, plan: bool) -> str:
    """The owner's Stripe customer, created (and stored) on the first checkout."""
    async with services.db.transaction(readonly=True) as session:
        user = await repository.owner(session, principal.user_id)
        found = await repository.customer(session, principal.user_id)
    if user is None:
        raise NotFound.of("user", principal.user_id)
    if found is not None:
        if plan and found.subscription_id and found.subscription_status in LIVE_SUBSCRIPTION:
            msg = (
                f"You already have a {user.plan} subscription. Cancel it first "
                "(POST /api/v1/billing/cancel) and subscribe again when it has ended."
            )
            raise Conflict(msg, details={"plan": user.plan})
        return found.stripe_customer_id
    try:
        created = await gateway(services).create_customer(owner_id=user.id, email=user.email)
    except stripe.StripeError as exc:
        raise stripe_failed(exc) from exc
    async with services.db.transaction() as session:
        kept = await repository.keep_customer(session, user.id, created)
    return kept.stripe_customer_id


async def checkout(
    services: BillingServices, principal: Principal, body: CheckoutIn, key: str | None = None
) -> CheckoutOut:
    """A Stripe Checkout Session for the plan or the credits; the change happens when Stripe
    reports the payment (``checkout.session.completed`` on the webhook).

    An ``Idempotency-Key`` becomes Stripe's own (scoped by owner): a retry within Stripe's
    24 hours returns the same session; the same key with another body is 422."""
    stripe_api = gateway(services)
    _live_key(principal)
    customer_id = await _customer_id(services, principal, plan=body.plan is not None)
    item, metadata = _line(body)
    base = services.settings.public_url.rstrip("/")
    try:
        session = await stripe_api.create_checkout(
            customer_id=customer_id,
            owner_id=principal.user_id,
            item=item,
            metadata={"owner_id": principal.user_id, **metadata},
            success_url=body.success_url
            or f"{base}/billing/success?session_id={{CHECKOUT_SESSION_ID}}",
            cancel_url=body.cancel_url or f"{base}/billing/cancelled",
            idempotency_key=_stripe_key(principal, key),
        )
    except stripe.IdempotencyError as exc:
        raise IdempotencyKeyReused from exc
    except stripe.StripeError as exc:
        raise stripe_failed(exc) from exc
    return CheckoutOut(checkout_url=session.url, session_id=session.id)


async def cancel(services: BillingServices, principal: Principal) -> CancelOut:
    """Stop the plan's renewal: it stays until the paid period ends, then Stripe deletes the
    subscription and the webhook puts the owner on the free plan."""
    stripe_api = gateway(services)
    _live_key(principal)
    async with services.db.transaction(readonly=True) as session:
        user = await repository.owner(session, principal.user_id)
        found = await repository.customer(session, principal.user_id)
    if user is None:
        raise NotFound.of("user", principal.user_id)
    if found is None or not found.subscription_id:
        msg = "There is no subscription to cancel; the owner is on the free plan or paid once."
        raise Conflict(msg)
    if found.subscription_status not in LIVE_SUBSCRIPTION:
        msg = f"The subscription is already {found.subscription_status}; nothing to cancel."
        raise Conflict(msg)
    try:
        status = await stripe_api.cancel_at_period_end(found.subscription_id)
    except stripe.StripeError as exc:
        raise stripe_failed(exc) from exc
    return CancelOut(plan=user.plan, subscription_status=status, cancel_at_period_end=True)
