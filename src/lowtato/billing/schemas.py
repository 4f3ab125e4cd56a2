"""Billing request/response models."""

from __future__ import annotations

from typing import Annotated, Literal, Self
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

MIN_TOPUP = 10
MAX_TOPUP = 10_000


def _url(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        msg = "must be an http(s) URL such as 'https://example.com/thanks'"
        raise ValueError(msg)
    if parts.username is not None or parts.password is not None:
        msg = "must not carry a user name or password"
        raise ValueError(msg)
    return value.strip()


ReturnUrl = Annotated[str, Field(max_length=2048), AfterValidator(_url)]


class CheckoutIn(BaseModel):
    """Exactly one of `plan` (a monthly subscription) or `credits` (a one-off top-up)."""

    model_config = ConfigDict(extra="forbid")

    plan: Literal["starter", "creator", "agency"] | None = Field(
        default=None, description="Subscribe to this plan (billed monthly)."
    )
    credits: int | None = Field(
        default=None,
        ge=MIN_TOPUP,
        le=MAX_TOPUP,
        description="Buy this many credits once (whole credits, 10–10000; 1 credit = $0.10).",
    )
    success_url: ReturnUrl | None = Field(
        default=None,
        description="Where Stripe sends the buyer after paying (default: this server's page). "
        "`{CHECKOUT_SESSION_ID}` in it is replaced by the session id.",
    )
    cancel_url: ReturnUrl | None = Field(
        default=None, description="Where Stripe sends the buyer who gives up."
    )

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        if (self.plan is None) == (self.credits is None):
            msg = "send either 'plan' (starter, creator, agency) or 'credits' (10-10000)"
            raise ValueError(msg)
        return self


class CheckoutOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "checkout_url": "https://checkout.stripe.com/c/pay/cs_test_a1B2c3D4e5F6g7H8",
                    "session_id": "cs_test_a1B2c3D4e5F6g7H8",
                }
            ]
        }
    )

    checkout_url: str = Field(description="Open this Stripe-hosted page to pay.")
    session_id: str = Field(description="The Stripe Checkout Session id (cs_…).")


class CardOut(BaseModel):
    brand: str | None = Field(description="visa, mastercard, … (null if Stripe did not say).")
    last4: str | None


class BillingOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "configured": True,
                    "plan": "creator",
                    "subscription_status": "active",
                    "customer": True,
                    "card_on_file": True,
                    "card": {"brand": "visa", "last4": "4242"},
                }
            ]
        }
    )

    configured: bool = Field(description="Whether this server takes payments (Stripe is set).")
    plan: str
    subscription_status: str | None = Field(
        description="Stripe's status of the plan subscription (active, past_due, canceled, …); "
        "null without one."
    )
    customer: bool = Field(description="Whether the owner has a Stripe customer (paid before).")
    card_on_file: bool | None = Field(
        description="A saved card marketplace purchases can be charged to; null when Stripe "
        "could not be asked just now."
    )
    card: CardOut | None = Field(default=None, description="The saved card, when there is one.")


class CancelOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"plan": "creator", "subscription_status": "active", "cancel_at_period_end": True}
            ]
        }
    )

    plan: str = Field(description="The current plan, kept until the paid period ends.")
    subscription_status: str
    cancel_at_period_end: bool = Field(
        description="True: the subscription ends with the paid period, then the plan is free."
    )


class WebhookAck(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"received": True, "duplicate": False}]}
    )

    received: bool
    duplicate: bool = Field(description="True: this event was applied before; nothing changed.")
