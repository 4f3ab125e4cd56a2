"""What the auth domain tells others (through ``events.bus``): billing opens a new owner's
credit ledger in the same transaction that creates the owner."""

from __future__ import annotations

from dataclasses import dataclass

from lowtato.auth.models import User


@dataclass(frozen=True)
class OwnerCreated:
    user: User
