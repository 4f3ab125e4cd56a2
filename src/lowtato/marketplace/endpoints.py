"""``/api/v1/marketplace``: ready-made social accounts for sale, when the operator enables it
(``LOWTATO_MARKETPLACE_ENABLED``; off, every route answers 404 after the usual 401/402/403)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from lowtato.auth.deps import AccountsRead, AccountsWrite
from lowtato.kit.routing import JSONRoute
from lowtato.marketplace import service
from lowtato.marketplace.schemas import (
    PLATFORM_QUERY,
    Listing,
    PurchaseList,
    PurchaseOut,
    PurchaseRequest,
)

router = APIRouter(
    prefix="/api/v1/marketplace",
    tags=["Marketplace"],
    route_class=JSONRoute,
)

# Credentials must not be kept by any cache between the server and the buyer.
NO_STORE = "no-store"


@router.get("", summary="Browse accounts for sale")
async def list_marketplace(
    principal: AccountsRead,
    request: Request,
    platform: Annotated[
        str | None, Query(description="Only this platform.", json_schema_extra=PLATFORM_QUERY)
    ] = None,
) -> Listing:
    """Accounts for sale, by platform then price, handles masked. A live key sees the
    operator's inventory; a test key (`lt_test_`) sees its own sandbox inventory of fake
    accounts (at least one per platform, always), which it can buy without spending anything.
    An unknown `platform` is a 400 `validation_error`. 404 `not_found` when the operator has
    not enabled the marketplace."""
    return await service.list_for_sale(request.app.state.services, principal, platform)


@router.post("/purchase", summary="Buy an account")
async def purchase(
    body: PurchaseRequest, principal: AccountsWrite, request: Request, response: Response
) -> PurchaseOut:
    """Buy a listed account and get its login (email, password, 2FA secret). Each account is
    sold once: a buyer who comes second gets 409 `conflict`. Paid with credits (the price in
    credits is `price_cents / 10`, taken atomically with the sale) or the saved card; short
    of both, 402 `insufficient_credits` with `{balance, required}` and nothing changes.
    A declined card is 402 `payment_required`. With `auto_connect: true` and an account that
    carries API tokens, it is connected to this key's owner (plan limits apply); if that fails
    the purchase stands and `connect_error` says why. Test keys buy sandbox accounts and spend
    nothing (the balance is still checked). The answer is sent with `Cache-Control: no-store`;
    GET /api/v1/marketplace/purchases shows it again."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.purchase(request.app.state.services, principal, body)


@router.get("/purchases", summary="List bought accounts")
async def list_purchases(
    principal: AccountsRead, request: Request, response: Response
) -> PurchaseList:
    """This owner's purchases in this key's mode, newest first, each with the account's login
    again, the price paid and the connected account's id (if auto-connected)."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.list_purchases(request.app.state.services, principal)
