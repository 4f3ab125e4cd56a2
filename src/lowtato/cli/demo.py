"""First start of an empty embedded install: one demo owner, a test-mode key, and one sandbox
account per platform, so a newcomer can schedule a post and watch it publish in one curl
(test mode publishes only to the sandbox network)."""

from __future__ import annotations

from dataclasses import dataclass

from lowtato.accounts import service as accounts
from lowtato.auth import service
from lowtato.auth.repository import UserRepository
from lowtato.dashboard import service as dashboard
from lowtato.kit.crypto import KeyRing
from lowtato.kit.db import Database
from lowtato.kit.principal import system_principal
from lowtato.plans import PlanName
from lowtato.platforms.names import PLATFORMS

DEMO_EMAIL = "demo@lowtato.local"
# Sandbox pages/organizations/boards, so subaccount flows can be tried too.
DEMO_SUBACCOUNTS = {
    "facebook": ("page-1001", "Demo Page", "facebook_page"),
    "linkedin": ("org-2002", "Demo Company", "linkedin_organization"),
    "pinterest": ("board-3003", "Demo Board", "pinterest_board"),
}


@dataclass(frozen=True)
class Bootstrapped:
    user_id: str
    email: str
    test_key: str
    accounts: dict[str, str]
    sign_in_token: str  # one-time dashboard sign-in (15 minutes)


async def bootstrap_demo(db: Database, pepper: bytes, keyring: KeyRing) -> Bootstrapped | None:
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
        principal = system_principal(user.id, livemode=False)
        made: dict[str, str] = {}
        for platform in PLATFORMS:
            account = await accounts.store_account(
                session, principal, keyring, platform=platform,
                platform_user_id=f"sandbox-{platform}", username=f"demo_{platform}",
                fullname=f"Demo ({platform})", access_token=None, sandbox=True,
            )  # fmt: skip
            made[platform] = account.id
            if platform in DEMO_SUBACCOUNTS:
                external_id, name, kind = DEMO_SUBACCOUNTS[platform]
                await accounts.add_subaccount(
                    session,
                    principal,
                    keyring,
                    account,
                    external_id=external_id,
                    name=name,
                    type=kind,
                )
        token = await dashboard.create_link(session, user.id)
        return Bootstrapped(user.id, user.email, key.plaintext, made, token)
