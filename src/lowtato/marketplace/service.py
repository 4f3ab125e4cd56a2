"""Listing and buying marketplace accounts.

A sale is decided by one conditional UPDATE (for sale → sold, or → reserved while a card is
charged), so of any number of concurrent buyers exactly one gets the item. Paid with credits,
the debit commits or rolls back with the sale; paid by card, the item is reserved first, the
card charged outside any transaction, then the sale recorded (a decline puts it back).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NoReturn

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.accounts import service as accounts
from lowtato.accounts.schemas import ConnectRequest
from lowtato.auth.service import get_user
from lowtato.billing import credits
from lowtato.config import Settings
from lowtato.errors import (
    Conflict,
    InsufficientCredits,
    LowtatoError,
    NotFound,
    PaymentRequired,
)
from lowtato.kit import clock
from lowtato.kit.ids import new_id
from lowtato.kit.principal import Principal
from lowtato.marketplace.inventory import Credentials, stock_sandbox, unseal
from lowtato.marketplace.models import ItemStatus, MarketplaceItem, MarketplacePurchase, PaidWith
from lowtato.marketplace.ports import MarketplaceServices
from lowtato.marketplace.repository import ItemRepository, PurchaseRepository
from lowtato.marketplace.schemas import (
    BoughtAccount,
    ListedAccount,
    Listing,
    PurchaseList,
    PurchaseOut,
    PurchaseRecord,
    PurchaseRequest,
)
from lowtato.plans import credits_for_cents, credits_out

# A card payment holds its item this long; a reservation older than this is for sale again.
RESERVATION = timedelta(minutes=10)
DEBIT_REASON = "marketplace.purchase"
NOT_ENABLED = (
    "The marketplace is not enabled on this server. The operator enables it by setting "
    "LOWTATO_MARKETPLACE_ENABLED=true and restarting Lowtato."
)


def check_enabled(settings: Settings) -> None:
    if not settings.marketplace_enabled:
        raise NotFound(NOT_ENABLED)


def mask(username: str) -> str:
    """First and last character, asterisks between; two characters or fewer are all hidden."""
    if len(username) <= 2:
        return "*" * len(username)
    return username[0] + "*" * (len(username) - 2) + username[-1]


def price_display(cents: int) -> str:
    return f"${cents // 100:,}.{cents % 100:02d}"


def _listed(item: MarketplaceItem) -> ListedAccount:
    return ListedAccount(
        id=item.id,
        platform=item.platform,
        username_masked=mask(item.username),
        price_cents=item.price_cents,
        price_display=price_display(item.price_cents),
    )


async def list_for_sale(
    services: MarketplaceServices, principal: Principal, platform: str | None
) -> Listing:
    """Items for sale to this key: the operator's with a live key, the owner's sandbox items
    (stocked on the way) with a test key; by platform, then price."""
    check_enabled(services.settings)
    if platform is not None:
        platform = accounts.check_platform(platform)
    stale_before = clock.now() - RESERVATION
    if principal.livemode:
        async with services.db.transaction(readonly=True) as session:
            items = await ItemRepository(session, principal).for_sale(platform, stale_before)
    else:
        async with services.db.transaction() as session:
            repo = ItemRepository(session, principal)
            await stock_sandbox(repo, services.keyring, stale_before)
            await session.flush()
            items = await repo.for_sale(platform, stale_before)
    return Listing(accounts=[_listed(i) for i in items], count=len(items))


def _insufficient(balance: int, required: int) -> InsufficientCredits:
    return InsufficientCredits(
        f"This account costs {credits_out(required)} credits and the balance is "
        f'{credits_out(balance)}. Pay with a saved card (pay_with: "card"), wait for the '
        "monthly reset (GET /api/v1/credits), or upgrade your plan.",
        details={"balance": credits_out(balance), "required": credits_out(required)},
    )


async def _balance(session: AsyncSession, owner_id: str) -> int:
    user = await get_user(session, owner_id)
    if user is None:
        raise NotFound.of("user", owner_id)
    return user.credits_balance


async def _refuse(repo: ItemRepository, item_id: str) -> NoReturn:
    """Why ``item_id`` could not be taken: 404 if this key cannot see it, else 409."""
    item = await repo.get(item_id)
    if item is None:
        raise NotFound.of("marketplace account", item_id)
    if item.status == ItemStatus.reserved:
        raise Conflict(
            f"Marketplace account '{item_id}' is being bought by someone else right now. "
            "Pick another from GET /api/v1/marketplace, or try again in a few minutes."
        )
    raise Conflict(
        f"Marketplace account '{item_id}' was just sold. Pick another from GET /api/v1/marketplace."
    )


@dataclass
class _Sale:
    item: MarketplaceItem
    purchase: MarketplacePurchase


async def purchase(
    services: MarketplaceServices, principal: Principal, body: PurchaseRequest
) -> PurchaseOut:
    """Buy one item, exactly once (see the module docstring); then, if asked, connect it."""
    check_enabled(services.settings)
    item_id = body.account_id
    stale_before = clock.now() - RESERVATION
    async with services.db.transaction(readonly=True) as session:
        repo = ItemRepository(session, principal)
        item = await repo.get(item_id)
        if item is None or not _for_sale(item, stale_before):
            await _refuse(repo, item_id)
        balance = await _balance(session, principal.user_id)
    required = credits_for_cents(item.price_cents)
    method: str | None = body.pay_with
    if not principal.livemode:
        # Test mode spends nothing, but refuses what the balance could not pay for in live.
        method = PaidWith.credits
    elif method is None:
        card_possible = services.cards is not None
        method = PaidWith.credits if balance >= required or not card_possible else PaidWith.card
    if method == PaidWith.card:
        sale = await _buy_with_card(services, principal, item, required=required,
                                    asked=body.pay_with, balance=balance)  # fmt: skip
    else:
        sale = await _buy_with_credits(services, principal, item_id, required)
    return await _deliver(services, principal, sale, auto_connect=body.auto_connect)


def _for_sale(item: MarketplaceItem, stale_before: datetime) -> bool:
    """The repository's "for sale" rule, on a row already read."""
    if item.status == ItemStatus.available:
        return True
    stale = item.reserved_at is not None and item.reserved_at < stale_before
    return item.status == ItemStatus.reserved and stale


async def _buy_with_credits(
    services: MarketplaceServices, principal: Principal, item_id: str, required: int
) -> _Sale:
    now = clock.now()
    async with services.db.transaction() as session:
        repo = ItemRepository(session, principal)
        item = await repo.take(item_id, status=ItemStatus.sold, stale_before=now - RESERVATION,
                               now=now)  # fmt: skip
        if item is None:
            await _refuse(repo, item_id)
        charged = 0
        if principal.livemode:
            # Refused → 402 and the whole transaction (the sale too) rolls back.
            await credits.debit(session, principal.user_id, required, DEBIT_REASON)
            charged = required
        elif (balance := await _balance(session, principal.user_id)) < required:
            raise _insufficient(balance, required)
        record = _record(principal, new_id("pur"), item, paid_with=PaidWith.credits,
                         charged=charged, payment_ref=None)  # fmt: skip
        PurchaseRepository(session, principal).add(record)
    return _Sale(item, record)


async def _buy_with_card(
    services: MarketplaceServices, principal: Principal, item: MarketplaceItem, *,
    required: int, asked: str | None, balance: int,
) -> _Sale:  # fmt: skip
    """Reserve, charge (no transaction open: the card network may be slow), then sell. A
    decline or a missing card puts the item back on sale."""
    purchase_id = new_id("pur")
    now = clock.now()
    async with services.db.transaction() as session:
        repo = ItemRepository(session, principal)
        reserved = await repo.take(item.id, status=ItemStatus.reserved, reserved_by=purchase_id,
                                   stale_before=now - RESERVATION, now=now)  # fmt: skip
        if reserved is None:
            await _refuse(repo, item.id)
    cards = services.cards
    try:
        payment = None
        if cards is not None:
            payment = await cards.charge(
                owner_id=principal.user_id,
                amount_cents=item.price_cents,
                description=f"Lowtato marketplace: {item.platform} account {item.id}",
                idempotency_key=purchase_id,
            )
    except PaymentRequired:
        await _release(services, principal, item.id, purchase_id)
        raise
    if payment is None:
        await _release(services, principal, item.id, purchase_id)
        if asked == PaidWith.card:
            raise PaymentRequired(
                "There is no card on file to pay with. Add one in billing, or pay with "
                'credits (pay_with: "credits").'
            )
        raise _insufficient(balance, required)
    now = clock.now()
    async with services.db.transaction() as session:
        repo = ItemRepository(session, principal)
        sold = await repo.settle(item.id, purchase_id, now)
        if sold is None:
            # Only when the charge outlived the reservation and another buyer took the item.
            raise Conflict(
                f"Marketplace account '{item.id}' was sold to someone else while your card "
                f"payment ({payment}) took longer than {RESERVATION}; ask the operator to "
                "refund it.",
                details={"payment_ref": payment},
            )
        record = _record(principal, purchase_id, sold, paid_with=PaidWith.card, charged=0,
                         payment_ref=payment)  # fmt: skip
        PurchaseRepository(session, principal).add(record)
    return _Sale(sold, record)


async def _release(
    services: MarketplaceServices, principal: Principal, item_id: str, purchase_id: str
) -> None:
    async with services.db.transaction() as session:
        await ItemRepository(session, principal).release(item_id, purchase_id)


def _record(
    principal: Principal, purchase_id: str, item: MarketplaceItem, *, paid_with: PaidWith,
    charged: int, payment_ref: str | None,
) -> MarketplacePurchase:  # fmt: skip
    return MarketplacePurchase(
        id=purchase_id,
        owner_id=principal.user_id,
        livemode=principal.livemode,
        item_id=item.id,
        paid_with=paid_with,
        amount_cents=item.price_cents,
        credits_charged=charged,
        payment_ref=payment_ref,
        created_at=clock.now(),
    )


def _bought(item: MarketplaceItem, credentials: Credentials) -> BoughtAccount:
    return BoughtAccount(id=item.id, platform=item.platform, username=item.username,
                         email=credentials.email, password=credentials.password,
                         totp_secret=credentials.totp_secret)  # fmt: skip


async def _deliver(
    services: MarketplaceServices, principal: Principal, sale: _Sale, *, auto_connect: bool
) -> PurchaseOut:
    item, record = sale.item, sale.purchase
    credentials = unseal(services.keyring, item)
    account_id: str | None = None
    error: str | None = None
    if auto_connect:
        account_id, error = await _connect(services, principal, item, credentials)
        if account_id is not None:
            async with services.db.transaction() as session:
                stored = await PurchaseRepository(session, principal).get(record.id)
                if stored is not None:
                    stored.social_account_id = account_id
    return PurchaseOut(
        purchase_id=record.id,
        account=_bought(item, credentials),
        paid_with=record.paid_with,
        amount_cents=record.amount_cents,
        credits_charged=credits_out(record.credits_charged),
        livemode=principal.livemode,
        connected=account_id is not None,
        social_account_id=account_id,
        connect_error=error,
    )


async def _connect(
    services: MarketplaceServices, principal: Principal, item: MarketplaceItem,
    credentials: Credentials,
) -> tuple[str | None, str | None]:  # fmt: skip
    """(account id, None) once connected through the accounts domain's own connect flow, or
    (None, why not): the purchase stands either way."""
    if not (credentials.access_token and credentials.platform_user_id):
        return None, (
            "This account comes without API tokens: sign in with its email and password, then "
            "connect it with POST /api/v1/accounts/connect or the OAuth flow."
        )
    try:
        request = ConnectRequest(
            platform=item.platform,
            access_token=credentials.access_token,
            refresh_token=credentials.refresh_token,
            platform_user_id=credentials.platform_user_id,
            platform_username=item.username,
        )
        account = await accounts.connect(services.db, principal, services, request)
    except ValidationError as exc:
        return None, f"The stored tokens are not usable: {exc.errors()[0]['msg']}"
    except LowtatoError as exc:
        return None, exc.message
    return account.id, None


async def list_purchases(services: MarketplaceServices, principal: Principal) -> PurchaseList:
    """The owner's purchases in this key's mode, newest first, credentials included."""
    check_enabled(services.settings)
    keyring = services.keyring
    async with services.db.transaction(readonly=True) as session:
        rows = await PurchaseRepository(session, principal).with_items()
    purchases = [
        PurchaseRecord(
            id=p.id,
            account=_bought(item, unseal(keyring, item)),
            paid_with=p.paid_with,
            amount_cents=p.amount_cents,
            price_display=price_display(p.amount_cents),
            credits_charged=credits_out(p.credits_charged),
            social_account_id=p.social_account_id,
            created_at=p.created_at,
        )
        for p, item in rows
    ]
    return PurchaseList(purchases=purchases, count=len(purchases))
