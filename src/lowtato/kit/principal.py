"""Who is calling: the key's owner, its mode and scopes. Every repository scopes by this."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: str
    key_id: str
    livemode: bool
    scopes: frozenset[str]
    plan: str

    @property
    def mode(self) -> str:
        return "live" if self.livemode else "test"

    def allows(self, scope: str) -> bool:
        return not self.scopes or scope in self.scopes


def system_principal(owner_id: str, livemode: bool) -> Principal:
    """Acting for an owner from a background job: the same repository scoping, no key."""
    return Principal(
        user_id=owner_id, key_id="system", livemode=livemode, scopes=frozenset(), plan=""
    )
