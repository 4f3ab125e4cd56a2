"""What the marketplace needs from the running process. ``lowtato.runtime.Services`` provides
it; this package never imports the composition."""

from __future__ import annotations

from typing import Protocol

from lowtato.accounts.ports import AccountServices


class CardPayments(Protocol):
    async def charge(
        self, *, owner_id: str, amount_cents: int, description: str, idempotency_key: str
    ) -> str | None:
        """Charge the owner's saved card; the payment id, or None when the owner has no card
        on file (or billing is not configured). Raises errors.PaymentRequired when declined."""
        ...


class MarketplaceServices(AccountServices, Protocol):
    """Settings, database and key ring (and what ``auto_connect`` needs to connect an
    account), plus the card payments of the billing integration (None: credits only)."""

    @property
    def cards(self) -> CardPayments | None: ...
