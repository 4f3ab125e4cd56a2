"""Charging an owner's saved card (marketplace purchases paid by card).

The card is the one saved by a credit top-up checkout (``setup_future_usage=off_session``).
"""

from __future__ import annotations

from lowtato.billing import repository
from lowtato.billing.service import stripe_failed
from lowtato.billing.stripe_api import StripeGateway, stripe
from lowtato.errors import PaymentRequired
from lowtato.kit.db import Database


class StripeCards:
    def __init__(self, db: Database, gateway: StripeGateway | None) -> None:
        self.db = db
        self.gateway = gateway

    async def charge(
        self, *, owner_id: str, amount_cents: int, description: str, idempotency_key: str
    ) -> str | None:
        """Charge ``amount_cents`` to the owner's saved card, off session; returns the
        PaymentIntent id. None when billing is off or the owner has no saved card. A decline
        is 402 ``payment_required`` saying why. The same ``idempotency_key`` (within Stripe's
        24 h) returns the first PaymentIntent and never charges twice."""
        if self.gateway is None:
            return None
        # A short read; Stripe is called with no transaction open.
        async with self.db.transaction(readonly=True) as session:
            found = await repository.customer(session, owner_id)
        if found is None:
            return None
        try:
            cards = await self.gateway.cards(found.stripe_customer_id)
        except stripe.StripeError as exc:
            raise stripe_failed(exc) from exc
        if not cards:
            return None
        try:
            return await self.gateway.charge(
                customer_id=found.stripe_customer_id,
                payment_method_id=cards[0].payment_method_id,
                amount_cents=amount_cents,
                description=description,
                idempotency_key=idempotency_key,
            )
        except stripe.CardError as exc:
            error = exc.error
            reason = (error.decline_code if error else None) or exc.code or "declined"
            card = f"{cards[0].brand or 'card'} ending {cards[0].last4 or '????'}"
            raise PaymentRequired(
                f"The saved card ({card}) was declined ({reason.replace('_', ' ')}). "
                "Pay with another card: buy credits at POST /api/v1/billing/checkout, "
                "which saves the new card.",
                details={"decline_code": reason},
            ) from exc
        except stripe.StripeError as exc:
            raise stripe_failed(exc) from exc
