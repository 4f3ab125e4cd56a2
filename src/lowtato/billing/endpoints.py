"""``GET /api/v1/credits`` and ``/api/v1/billing`` (Stripe checkout, cancel, webhook)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from lowtato.auth.deps import AnalyticsRead, BillingRead, BillingWrite
from lowtato.billing import checkout, credits, service, stripe_webhooks
from lowtato.billing.ports import BillingServices
from lowtato.billing.schemas import BillingOut, CancelOut, CheckoutIn, CheckoutOut, WebhookAck
from lowtato.idempotency import http as idempotency
from lowtato.kit.routing import JSONRoute
from lowtato.kit.session import Session

router = APIRouter(tags=["Credits"], route_class=JSONRoute)


class CreditsOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "balance": 412.5,
                    "topup_balance": 0.0,
                    "used_this_month": 87.5,
                    "plan_limit": 500.0,
                    "plan": "creator",
                    "resets_at": "2026-07-01T00:00:00Z",
                }
            ]
        }
    )

    balance: float = Field(description="Credits left (decimal: 0.5 = half a credit).")
    topup_balance: float = Field(
        description="The part of `balance` that was bought or granted: spent after the plan's "
        "monthly credits, and kept when the balance is reset at the start of a month."
    )
    used_this_month: float
    plan_limit: float = Field(description="The plan's monthly allocation.")
    plan: str
    resets_at: str = Field(description="When the balance is reset to the allocation (UTC).")


@router.get("/api/v1/credits", summary="Check balance and usage")
async def get_credits(principal: AnalyticsRead, session: Session) -> CreditsOut:
    """The owner's credit balance (shared by live and test keys). Credits are spent by AI
    generation (see /pricing.json); publishing costs 0. At the start of each month the balance
    becomes the plan's allocation plus `topup_balance`. A webhook event `credits.low` fires
    when a debit takes the balance under 10 % of the monthly allocation."""
    found = await credits.summary(session, principal.user_id)
    return CreditsOut(**found.__dict__)


billing_router = APIRouter(prefix="/api/v1/billing", tags=["Billing"], route_class=JSONRoute)

_NOT_CONFIGURED: dict[int | str, dict[str, Any]] = {
    404: {"description": "Billing is not configured on this server."}
}


def _services(request: Request) -> BillingServices:
    services: BillingServices = request.app.state.services
    return services


@billing_router.get("", summary="Plan, subscription and saved card")
async def get_billing(request: Request, principal: BillingRead) -> BillingOut:
    """The owner's plan and how it is paid: the Stripe subscription's status, whether a card
    is saved for marketplace purchases (brand and last 4 digits). `configured` is false when
    this server takes no payments. Open to the free plan (it is how a free owner upgrades)."""
    return await service.summary(_services(request), principal)


@billing_router.post("/checkout", summary="Pay for a plan or credits", responses=_NOT_CONFIGURED)
async def post_checkout(request: Request, body: CheckoutIn, principal: BillingWrite) -> CheckoutOut:
    """A Stripe-hosted payment page. `{"plan": "creator"}` subscribes monthly (starter $13,
    creator $26, agency $49); `{"credits": 100}` buys credits once at $0.10 each and saves
    the card for marketplace purchases. Open `checkout_url`; when Stripe confirms the payment
    the plan changes (the balance is topped up to the new plan's monthly credits) or the
    credits are added. Needs a live key; open to the free plan. A second subscription while
    one is active is 409 `conflict` (cancel first). An `Idempotency-Key` makes a retry return
    the same session (the same key with another body is 422 `idempotency_key_reused`)."""
    key = idempotency.key_from(request, principal)
    return await checkout.checkout(_services(request), principal, body, key.value if key else None)


@billing_router.post("/cancel", summary="Cancel the plan", responses=_NOT_CONFIGURED)
async def post_cancel(request: Request, principal: BillingWrite) -> CancelOut:
    """Stops the subscription renewing: the plan stays until the paid period ends, then the
    owner is on the free plan. No subscription (or one already ended) is 409 `conflict`."""
    return await checkout.cancel(_services(request), principal)


@billing_router.post(
    "/stripe-webhook",
    summary="Stripe's webhook (called by Stripe)",
    responses={
        400: {"description": "Missing or wrong `Stripe-Signature`; nothing was applied."},
        **_NOT_CONFIGURED,
    },
)
async def stripe_webhook(request: Request, session: Session) -> WebhookAck:
    """Point a Stripe webhook endpoint here (events `checkout.session.completed`,
    `checkout.session.async_payment_succeeded`, `customer.subscription.updated`,
    `customer.subscription.deleted`, `invoice.payment_failed`) and set its signing secret as
    `LOWTATO_STRIPE_WEBHOOK_SECRET`. No API key: the signature authenticates Stripe. Each
    event is applied once; a redelivery answers `{"received": true, "duplicate": true}`."""
    applied = await stripe_webhooks.receive(
        session,
        _services(request).settings,
        await request.body(),
        request.headers.get("stripe-signature"),
    )
    return WebhookAck(received=True, duplicate=not applied)


# Where Stripe Checkout sends the buyer when the request named no success/cancel URL.
pages_router = APIRouter(tags=["Billing"], route_class=JSONRoute)

_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Lowtato billing</title></head>
<body><h1>{title}</h1><p>{text}</p></body></html>"""


@pages_router.get("/billing/success", response_class=HTMLResponse, summary="After paying")
async def billing_success() -> HTMLResponse:
    """The page Stripe Checkout returns a buyer to after paying (no auth, says nothing private)."""
    text = (
        "Stripe has your payment. Your plan or credits change as soon as Stripe confirms it "
        "(usually seconds): check GET /api/v1/billing or GET /api/v1/credits."
    )
    return HTMLResponse(_PAGE.format(title="Payment received", text=text))


@pages_router.get("/billing/cancelled", response_class=HTMLResponse, summary="Checkout left")
async def billing_cancelled() -> HTMLResponse:
    """The page Stripe Checkout returns a buyer to who did not pay."""
    text = "Nothing was charged. Start again with POST /api/v1/billing/checkout."
    return HTMLResponse(_PAGE.format(title="Checkout cancelled", text=text))
