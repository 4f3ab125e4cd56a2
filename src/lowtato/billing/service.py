"""Billing rules shared by checkout, the webhook and saved-card charges: whether billing is
configured, how a Stripe failure reaches the caller, and the owner's billing summary."""

from __future__ import annotations

import logging

from lowtato.billing import repository
from lowtato.billing.ports import BillingServices
from lowtato.billing.schemas import BillingOut, CardOut
from lowtato.billing.stripe_api import StripeGateway, stripe
from lowtato.errors import LowtatoError, NotFound, ServiceUnavailable
from lowtato.kit.principal import Principal

log = logging.getLogger(__name__)

NOT_CONFIGURED = (
    "Billing is not configured on this server; the operator sets LOWTATO_STRIPE_SECRET_KEY "
    "(and LOWTATO_STRIPE_WEBHOOK_SECRET for Stripe's webhook) to take payments."
)


def gateway(services: BillingServices) -> StripeGateway:
    if services.stripe is None:
        raise NotFound(NOT_CONFIGURED)
    return services.stripe


def stripe_failed(exc: stripe.StripeError) -> LowtatoError:
    """A Stripe error as the caller sees it: 503, retry later (never the key, never Stripe's
    raw body)."""
    log.warning("stripe call failed: %s (code %s, status %s)",
                type(exc).__name__, exc.code, exc.http_status)  # fmt: skip
    return ServiceUnavailable(
        "Stripe could not complete the request just now; nothing was charged. Try again in a "
        "minute (the server operator sees the cause in the log).",
        details={"stripe_error": type(exc).__name__, "code": exc.code},
    )


async def summary(services: BillingServices, principal: Principal) -> BillingOut:
    """The owner's plan, subscription and saved card. The card is asked from Stripe after the
    read transaction ended."""
    async with services.db.transaction(readonly=True) as session:
        user = await repository.owner(session, principal.user_id)
        found = await repository.customer(session, principal.user_id)
    if user is None:
        raise NotFound.of("user", principal.user_id)
    out = BillingOut(
        configured=services.stripe is not None,
        plan=user.plan,
        subscription_status=found.subscription_status if found else None,
        customer=found is not None,
        card_on_file=False,
    )
    if services.stripe is None or found is None:
        return out
    try:
        cards = await services.stripe.cards(found.stripe_customer_id)
    except stripe.StripeError as exc:
        stripe_failed(exc)  # logged; the rest of the answer is still right
        out.card_on_file = None
        return out
    if cards:
        out.card_on_file = True
        out.card = CardOut(brand=cards[0].brand, last4=cards[0].last4)
    return out
