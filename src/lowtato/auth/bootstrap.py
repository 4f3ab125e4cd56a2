"""First start of an empty embedded install: one demo owner and a test-mode key, so a
newcomer can call the API right away (test mode publishes only to the sandbox network)."""

from __future__ import annotations

from dataclasses import dataclass

from lowtato.auth import service
from lowtato.auth.repository import UserRepository
from lowtato.billing.plans import PlanName
from lowtato.kit.db import Database

DEMO_EMAIL = "demo@lowtato.local"


@dataclass(frozen=True)
class Bootstrapped:
    user_id: str
    email: str
    test_key: str


async def bootstrap_demo(db: Database, pepper: bytes) -> Bootstrapped | None:
    """Create the demo owner when the database has no users; None when it already has some."""
    async with db.transaction() as session:
        if await UserRepository(session).count():
            return None
        user = await service.create_user(
            session, email=DEMO_EMAIL, plan=PlanName.starter, display_name="Demo"
        )
        key = await service.create_key(
            session, pepper=pepper, user=user, livemode=False, scopes=[], name="demo test key"
        )
        for hook in BOOTSTRAP_HOOKS:
            await hook(session, user.id)
        return Bootstrapped(user.id, user.email, key.plaintext)


# Other domains append coroutines ``(session, user_id)`` here (e.g. sandbox accounts).
BOOTSTRAP_HOOKS: list = []  # type: ignore[type-arg]
