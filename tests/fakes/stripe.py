"""A local fake of the Stripe API calls Lowtato makes, plus what Stripe does after a buyer pays
(``complete``: the event Stripe would send) and Stripe's webhook signature (``sign``).

It checks what Stripe checks for these calls: ``Authorization: Bearer sk_…``, form-encoded
bodies, required and mode-specific parameters, and ``Idempotency-Key`` (same key and body →
the first answer again; same key, other body → 400 ``idempotency_error``). Errors have
Stripe's shape ``{"error": {type, code?, decline_code?, message, param?}}``.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

# Stripe's test payment methods Lowtato's tests use, and how a charge to each ends.
CARDS = {
    "pm_card_visa": ("visa", "4242", None),
    "pm_card_mastercard": ("mastercard", "4444", None),
    "pm_card_chargeDeclined": ("visa", "0002", "generic_decline"),
    "pm_card_visa_chargeDeclinedInsufficientFunds": ("visa", "9995", "insufficient_funds"),
}


class StripeProblem(Exception):
    def __init__(self, status: int, type_: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": type_, "message": message, **extra}}


def _missing(param: str) -> StripeProblem:
    return StripeProblem(400, "invalid_request_error", f"Missing required param: {param}.",
                         code="parameter_missing", param=param)  # fmt: skip


def _invalid(param: str, message: str, code: str = "parameter_invalid") -> StripeProblem:
    return StripeProblem(400, "invalid_request_error", message, code=code, param=param)


def nest(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's form encoding (``a[b][0][c]=v``) back into nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(root)


def _lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if node and all(k.isdigit() for k in node):
        return [_lists(node[k]) for k in sorted(node, key=int)]
    return {k: _lists(v) for k, v in node.items()}


@dataclass
class StripeState:
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    subscriptions: dict[str, dict[str, Any]] = field(default_factory=dict)
    intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    cards: dict[str, list[str]] = field(default_factory=dict)  # customer → payment methods
    idempotent: dict[str, tuple[str, int, Any]] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    api_key: str = "sk_test_lowtato"

    def reset(self) -> None:
        self.__dict__.update(StripeState(api_key=self.api_key).__dict__)

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_test_{next(self.ids):06d}"

    def complete(self, session_id: str, *, card: str = "pm_card_visa") -> dict[str, Any]:
        """The buyer paid: what Stripe does (a subscription, a saved card) and the
        ``checkout.session.completed`` event it sends."""
        session = self.sessions[session_id]
        customer = session["customer"]
        if session["mode"] == "subscription":
            sub = self.new_id("sub")
            price = session["line_items"][0]["price_data"]
            self.subscriptions[sub] = {
                "id": sub, "object": "subscription", "customer": customer, "status": "active",
                "cancel_at_period_end": False,
                "metadata": session.get("subscription_data", {}).get("metadata", {}),
                "items": {"object": "list", "data": [{"price": {
                    "unit_amount": int(price["unit_amount"]), "currency": price["currency"]}}]},
            }  # fmt: skip
            session["subscription"] = sub
        else:
            usage = session.get("payment_intent_data", {}).get("setup_future_usage")
            if usage in {"off_session", "on_session"}:
                self.cards.setdefault(customer, []).append(card)
        session.update(status="complete", payment_status="paid")
        return self.event("checkout.session.completed", session)

    def event(self, type_: str, obj: dict[str, Any]) -> dict[str, Any]:
        return {"id": self.new_id("evt"), "object": "event", "type": type_,
                "created": int(time.time()), "livemode": False,
                "data": {"object": json.loads(json.dumps(obj))}}  # fmt: skip


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header Stripe sends: ``t=<unix>,v1=<hex HMAC-SHA256 of
    "<t>.<payload>" under the endpoint's signing secret>``."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def _customer(state: StripeState, customer_id: Any, param: str = "customer") -> str:
    if not customer_id:
        raise _missing(param)
    if customer_id not in state.customers:
        raise StripeProblem(400, "invalid_request_error", f"No such customer: '{customer_id}'",
                            code="resource_missing", param=param)  # fmt: skip
    return str(customer_id)


def _create_customer(state: StripeState, body: dict[str, Any]) -> tuple[int, Any]:
    cus = {"id": state.new_id("cus"), "object": "customer", "email": body.get("email"),
           "metadata": body.get("metadata", {})}  # fmt: skip
    state.customers[cus["id"]] = cus
    return 200, cus


def _create_session(state: StripeState, body: dict[str, Any]) -> tuple[int, Any]:
    mode = body.get("mode") or ""
    if not mode:
        raise _missing("mode")
    if mode not in {"payment", "subscription", "setup"}:
        raise _invalid("mode", "Invalid mode: must be one of payment, setup, or subscription")
    if not body.get("success_url"):
        raise _missing("success_url")
    _customer(state, body.get("customer"))
    items = body.get("line_items")
    if not isinstance(items, list) or not items:
        raise _invalid("line_items", "You must provide at least one line item.")
    for i, item in enumerate(items):
        price = item.get("price_data", {})
        for name in ("currency", "unit_amount"):
            if name not in price:
                raise _missing(f"line_items[{i}][price_data][{name}]")
        if not int(price["unit_amount"]) > 0 or not item.get("quantity"):
            raise _invalid(f"line_items[{i}]", "unit_amount and quantity must be positive")
        if "recurring" in price and mode != "subscription":
            raise _invalid(f"line_items[{i}][price_data][recurring]",
                           "You specified `payment` mode but passed a recurring price.")  # fmt: skip
        if "recurring" not in price and mode == "subscription":
            raise _invalid(f"line_items[{i}]",
                           "You must provide at least one recurring price in `subscription` "
                           "mode when using prices.")  # fmt: skip
    if mode != "payment" and "payment_intent_data" in body:
        raise _invalid("payment_intent_data",
                       "You can only specify `payment_intent_data` in `payment` mode.")  # fmt: skip
    if mode != "subscription" and "subscription_data" in body:
        raise _invalid("subscription_data",
                       "You can only specify `subscription_data` in `subscription` mode.")  # fmt: skip
    sid = state.new_id("cs")
    session = {**body, "id": sid, "object": "checkout.session", "status": "open",
               "payment_status": "unpaid", "url": f"https://checkout.stripe.com/c/pay/{sid}"}  # fmt: skip
    state.sessions[sid] = session
    return 200, session


def _payment_method(pm: str, customer: str | None) -> dict[str, Any]:
    brand, last4, _ = CARDS[pm]
    return {"id": pm, "object": "payment_method", "type": "card", "customer": customer,
            "card": {"brand": brand, "last4": last4, "exp_month": 12, "exp_year": 2034}}  # fmt: skip


def _create_intent(state: StripeState, body: dict[str, Any]) -> tuple[int, Any]:
    for name in ("amount", "currency"):
        if name not in body:
            raise _missing(name)
    amount = int(body["amount"])
    if amount < 50:
        raise _invalid("amount", "Amount must be at least $0.50 usd", code="amount_too_small")
    customer = _customer(state, body.get("customer"))
    pm = body.get("payment_method")
    if body.get("confirm") == "true" and not pm:
        raise _missing("payment_method")
    if body.get("off_session") == "true" and body.get("confirm") != "true":
        raise _invalid("off_session", "off_session can only be used with confirm=true")
    if pm not in state.cards.get(customer, []):
        raise StripeProblem(400, "invalid_request_error",
                            f"The payment method '{pm}' does not belong to customer {customer}.",
                            code="resource_missing", param="payment_method")  # fmt: skip
    intent = {"id": state.new_id("pi"), "object": "payment_intent", "amount": amount,
              "currency": body["currency"], "customer": customer, "payment_method": pm,
              "description": body.get("description"), "status": "succeeded"}  # fmt: skip
    decline = CARDS[pm][2]
    if decline:
        intent["status"] = "requires_payment_method"
        state.intents[intent["id"]] = intent
        raise StripeProblem(402, "card_error", "Your card was declined.", code="card_declined",
                            decline_code=decline, payment_intent=intent)  # fmt: skip
    state.intents[intent["id"]] = intent
    return 200, intent


def build(state: StripeState) -> Starlette:
    async def handle(request: Request) -> Response:
        state.calls.append((request.method, request.url.path))
        auth = request.headers.get("authorization", "")
        if auth != f"Bearer {state.api_key}":
            problem = StripeProblem(401, "invalid_request_error", "Invalid API Key provided.")
            return JSONResponse(problem.body, status_code=401)
        raw = await request.body()
        if request.method == "POST":
            if raw and not request.headers.get("content-type", "").startswith(
                "application/x-www-form-urlencoded"
            ):
                problem = _invalid("body", "Stripe takes form-encoded request bodies.")
                return JSONResponse(problem.body, status_code=400)
            pairs = list((await request.form()).multi_items())
        else:
            pairs = list(request.query_params.multi_items())
        body = nest([(k, str(v)) for k, v in pairs])
        key = request.headers.get("idempotency-key")
        scope = f"{request.url.path}:{key}"
        if key and scope in state.idempotent:
            fingerprint, status, answer = state.idempotent[scope]
            if fingerprint != raw.decode():
                problem = StripeProblem(400, "idempotency_error",
                                        "Keys for idempotent requests can only be used with the "
                                        "same parameters they were first used with.")  # fmt: skip
                return JSONResponse(problem.body, status_code=400)
            return JSONResponse(answer, status_code=status, headers={"Idempotent-Replayed": "true"})
        try:
            status, answer = _route(state, request, body)
        except StripeProblem as problem:
            status, answer = problem.status, problem.body
        if key and request.method == "POST":
            state.idempotent[scope] = (raw.decode(), status, answer)
        return JSONResponse(answer, status_code=status)

    return Starlette(routes=[Route("/v1/{path:path}", handle, methods=["GET", "POST"])])


def _route(state: StripeState, request: Request, body: dict[str, Any]) -> tuple[int, Any]:
    path, method = request.url.path, request.method
    if (method, path) == ("POST", "/v1/customers"):
        return _create_customer(state, body)
    if (method, path) == ("POST", "/v1/checkout/sessions"):
        return _create_session(state, body)
    if (method, path) == ("POST", "/v1/payment_intents"):
        return _create_intent(state, body)
    if (method, path) == ("GET", "/v1/payment_methods"):
        customer = _customer(state, body.get("customer"))
        if body.get("type", "card") != "card":
            raise _invalid("type", "Only card is used here.")
        data = [_payment_method(pm, customer) for pm in reversed(state.cards.get(customer, []))]
        return 200, {"object": "list", "data": data, "has_more": False,
                     "url": "/v1/payment_methods"}  # fmt: skip
    if (method, path) == ("GET", "/v1/balance"):
        return 200, {"object": "balance", "livemode": False, "pending": [],
                     "available": [{"amount": 0, "currency": "usd"}]}  # fmt: skip
    if method == "POST" and (found := re.fullmatch(r"/v1/subscriptions/([^/]+)", path)):
        sub = state.subscriptions.get(found[1])
        if sub is None:
            raise StripeProblem(404, "invalid_request_error",
                                f"No such subscription: '{found[1]}'", code="resource_missing",
                                param="id")  # fmt: skip
        if "cancel_at_period_end" in body:
            sub["cancel_at_period_end"] = body["cancel_at_period_end"] == "true"
        return 200, sub
    raise StripeProblem(
        404, "invalid_request_error", f"Unrecognized request URL ({method}: {path})."
    )
