"""What an operator does to one account by hand (``lowtato accounts …``)."""

from __future__ import annotations

from datetime import timedelta

from lowtato.accounts import tokens
from lowtato.accounts.models import SocialAccount
from lowtato.accounts.ports import AccountServices
from lowtato.errors import Conflict, NotFound
from lowtato.platforms.registry import AdapterUnavailable

# A margin no expiry is beyond: "refresh now, whatever is left of the token".
_NOW = timedelta(days=365 * 100)


async def refresh_now(services: AccountServices, account_id: str) -> tokens.Fresh:
    """Refresh the account's token at once, as the periodic job would when it is due (same
    claim, so a worker refreshing it at the same moment is waited for, not raced). Raises the
    platform's error when it refuses; a refused grant disconnects the account as usual."""
    async with services.db.transaction(readonly=True) as session:
        account = await session.get(SocialAccount, account_id)
        if account is None or account.deleted_at is not None:
            raise NotFound(f"no account {account_id}")
        if not account.is_active:
            raise Conflict(
                f"account {account_id} is disconnected ({account.disconnected_reason}); "
                "its owner must reconnect it"
            )
        if account.token_expires_at is None:
            raise Conflict(f"account {account_id} has a token that does not expire: nothing to do")
        creds, platform, sandbox = tokens.identity(account), account.platform, account.sandbox
    try:
        adapter, actx = services.adapters.get(platform, sandbox=sandbox)
    except AdapterUnavailable as exc:
        raise Conflict(f"cannot refresh {platform} tokens here: {exc}") from exc
    return await tokens.refresh(services, account_id, adapter, actx, creds, margin=_NOW)


async def disable(services: AccountServices, account_id: str, reason: str) -> bool:
    """Disconnect the account (its posts fail with ``account_disconnected`` until the owner
    reconnects it) and tell the owner once, with a reconnect link; False if it already was."""
    async with services.db.transaction() as session:
        account = await session.get(SocialAccount, account_id, with_for_update=True)
        if account is None or account.deleted_at is not None:
            raise NotFound(f"no account {account_id}")
        return await tokens.disconnect(session, services, account, reason, kind="revoked")
