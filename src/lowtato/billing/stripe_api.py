"""The Stripe calls Lowtato makes, through the official library's async API.

One ``StripeClient`` per process on the library's ``HTTPXClient`` (no worker thread blocks),
with an explicit timeout and retry count; the API base is a setting so tests use a local fake.
Results come back as plain data. The secret key lives only inside the client: it is never
logged, nor part of an error message.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from lowtato.config import Settings
from lowtato.kit.lazy import lazy_module

if TYPE_CHECKING:
    # Re-exported (an explicit alias, for the type checker): billing's other modules import it
    # from here, so the lazy stand-in is made once.
    import stripe as stripe  # noqa: PLC0414
else:
    stripe = lazy_module("stripe")  # loaded at first use: kit/lazy.py

Check = Literal["ok", "error", "not_configured"]


@dataclass(frozen=True, slots=True)
class Card:
    payment_method_id: str
    brand: str | None
    last4: str | None


@dataclass(frozen=True, slots=True)
class CheckoutSession:
    id: str
    url: str


@dataclass(frozen=True, slots=True)
class LineItem:
    """One checkout line: a plan (recurring monthly) or a credit top-up (one-off)."""

    name: str
    unit_amount_cents: int
    recurring: bool


@cache
def _httpx_client_class() -> type[stripe.HTTPXClient]:
    """The library's httpx client, sending the form body as ``content=``: httpx deprecated
    ``data=<str>`` (a DeprecationWarning today, an error in a later httpx). Made at first use,
    since subclassing imports Stripe (kit/lazy.py)."""

    class _HTTPXClient(stripe.HTTPXClient):
        def _get_request_args_kwargs(
            self, method: str, url: str, headers: Mapping[str, str], post_data: Any
        ) -> Any:
            args, kwargs = super()._get_request_args_kwargs(method, url, headers, post_data)
            kwargs.pop("data", None)
            kwargs["content"] = post_data or None
            return [args, kwargs]

    return _HTTPXClient


class StripeGateway:
    def __init__(self, settings: Settings) -> None:
        self.currency = settings.stripe_currency
        self._http = _httpx_client_class()(timeout=settings.stripe_timeout_seconds)
        self._client = stripe.StripeClient(
            settings.stripe_secret_key.get_secret_value(),
            base_addresses={"api": settings.stripe_api_base.rstrip("/")},
            http_client=self._http,
            max_network_retries=settings.stripe_max_retries,
        )

    async def close(self) -> None:
        # The library leaves close_async unannotated; the reference keeps the call typed.
        close: Callable[[], Awaitable[None]] = self._http.close_async
        await close()

    async def create_customer(self, *, owner_id: str, email: str) -> str:
        customer = await self._client.v1.customers.create_async(
            {"email": email, "metadata": {"owner_id": owner_id}},
            # Two concurrent first checkouts of one owner make one customer (for 24 h).
            {"idempotency_key": f"lowtato-customer-{owner_id}"},
        )
        return customer.id

    async def create_checkout(
        self,
        *,
        customer_id: str,
        owner_id: str,
        item: LineItem,
        metadata: dict[str, str],
        success_url: str,
        cancel_url: str,
        idempotency_key: str | None = None,
    ) -> CheckoutSession:
        options: stripe.RequestOptions = (
            {"idempotency_key": idempotency_key} if idempotency_key else {}
        )
        if item.recurring:
            session = await self._client.v1.checkout.sessions.create_async(
                {
                    "mode": "subscription",
                    "customer": customer_id,
                    "client_reference_id": owner_id,
                    "metadata": metadata,
                    # The subscription carries them too: its later events name the plan.
                    "subscription_data": {"metadata": metadata},
                    "line_items": [
                        {
                            "quantity": 1,
                            "price_data": {
                                "currency": self.currency,
                                "unit_amount": item.unit_amount_cents,
                                "recurring": {"interval": "month"},
                                "product_data": {"name": item.name},
                            },
                        }
                    ],
                    "success_url": success_url,
                    "cancel_url": cancel_url,
                },
                options,
            )
        else:
            session = await self._client.v1.checkout.sessions.create_async(
                {
                    "mode": "payment",
                    "customer": customer_id,
                    "client_reference_id": owner_id,
                    "metadata": metadata,
                    # The card is saved for later marketplace charges (StripeCards).
                    "payment_intent_data": {
                        "setup_future_usage": "off_session",
                        "metadata": metadata,
                    },
                    "line_items": [
                        {
                            "quantity": 1,
                            "price_data": {
                                "currency": self.currency,
                                "unit_amount": item.unit_amount_cents,
                                "product_data": {"name": item.name},
                            },
                        }
                    ],
                    "success_url": success_url,
                    "cancel_url": cancel_url,
                },
                options,
            )
        return CheckoutSession(id=session.id, url=session.url or "")

    async def cancel_at_period_end(self, subscription_id: str) -> str:
        """Stops renewal; the plan stays until Stripe deletes the subscription. Returns the
        subscription's status."""
        subscription = await self._client.v1.subscriptions.update_async(
            subscription_id, {"cancel_at_period_end": True}
        )
        return subscription.status

    async def cards(self, customer_id: str) -> list[Card]:
        found = await self._client.v1.payment_methods.list_async(
            {"customer": customer_id, "type": "card", "limit": 10}
        )
        return [
            Card(
                payment_method_id=pm.id,
                brand=pm.card.brand if pm.card else None,
                last4=pm.card.last4 if pm.card else None,
            )
            for pm in found.data
        ]

    async def charge(
        self,
        *,
        customer_id: str,
        payment_method_id: str,
        amount_cents: int,
        description: str,
        idempotency_key: str,
    ) -> str:
        intent = await self._client.v1.payment_intents.create_async(
            {
                "amount": amount_cents,
                "currency": self.currency,
                "customer": customer_id,
                "payment_method": payment_method_id,
                "description": description,
                "confirm": True,
                "off_session": True,
            },
            {"idempotency_key": idempotency_key},
        )
        return intent.id

    async def ping(self) -> None:
        """One cheap authenticated call, never retried (the health check)."""
        await self._client.v1.balance.retrieve_async(options={"max_network_retries": 0})


class StripeHealth:
    """Stripe's health as ``GET /api/health`` reports it, asked at most every ``ttl`` seconds
    (concurrent health checks share one call) and within a short timeout."""

    def __init__(self, gateway: StripeGateway | None, ttl: float = 30.0, timeout: float = 3.0):
        self.gateway = gateway
        self.ttl = ttl
        self.timeout = timeout
        self._checked: tuple[float, Check] | None = None
        self._lock = asyncio.Lock()

    async def check(self) -> Check:
        if self.gateway is None:
            return "not_configured"
        async with self._lock:
            if self._checked is not None and time.monotonic() - self._checked[0] < self.ttl:
                return self._checked[1]
            try:
                async with asyncio.timeout(self.timeout):
                    await self.gateway.ping()
            except Exception:
                status: Check = "error"
            else:
                status = "ok"
            self._checked = (time.monotonic(), status)
            return status
