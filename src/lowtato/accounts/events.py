"""What the accounts domain tells others (through ``events.bus``), so they need not be called
from here: the posts domain fails a removed account's scheduled posts."""

from __future__ import annotations

from dataclasses import dataclass

from lowtato.kit.principal import Principal


@dataclass(frozen=True)
class AccountRemoved:
    """The owner disconnected the account (``DELETE /api/v1/accounts/{id}``); its tokens are
    already forgotten. Published before ``account.disconnected`` is emitted."""

    principal: Principal
    account_id: str
