"""SQL for social accounts and subaccounts, scoped to one owner and mode."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.accounts.models import SocialAccount, SubAccount
from lowtato.accounts.oauth_models import OAuthState
from lowtato.kit.db import memo
from lowtato.kit.fastread import FastReads, Row
from lowtato.kit.principal import Principal
from lowtato.kit.repository import OwnedRepository

ORDER = (SocialAccount.created_at, SocialAccount.id)


class AccountRepository(OwnedRepository[SocialAccount]):
    """Connected (not deleted) accounts; ``find`` also sees deleted ones so reconnecting
    the same platform user revives its row instead of duplicating it."""

    model = SocialAccount
    noun = "account"

    @classmethod
    def visible(cls) -> tuple[Any, ...]:
        return (SocialAccount.deleted_at.is_(None),)

    @classmethod
    async def read_all(cls, reads: FastReads, principal: Principal) -> list[Row]:
        """``all`` on the fast read path (``kit.fastread``): rows with the columns."""
        query = cls.read_query("all", lambda s: s.order_by(*ORDER))
        return await reads.all(query, cls.owner_values(principal))

    async def find(self, platform: str, platform_user_id: str) -> SocialAccount | None:
        # Deleted ones too: the owner's rows without visible()'s condition.
        stmt = select(SocialAccount).where(
            *self.owned_by(self.principal.user_id, self.principal.livemode),
            SocialAccount.platform == platform,
            SocialAccount.platform_user_id == platform_user_id,
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def lock(self, account_id: str) -> None:
        """Hold the account's row until the transaction ends (PostgreSQL; SQLite writers are
        serialised already), so two requests cannot both take the same slot occurrence."""
        await self.session.execute(
            select(SocialAccount.id).where(SocialAccount.id == account_id).with_for_update()
        )

    async def on_platform(self, platform: str) -> list[SocialAccount]:
        stmt = self.scoped().where(
            SocialAccount.platform == platform, SocialAccount.is_active.is_(True)
        )
        return list((await self.session.execute(stmt.order_by(SocialAccount.id))).scalars())


class SubAccountRepository(OwnedRepository[SubAccount]):
    model = SubAccount
    noun = "subaccount"

    async def for_account(self, account_id: str) -> list[SubAccount]:
        stmt = self.scoped().where(SubAccount.account_id == account_id)
        return list((await self.session.execute(stmt.order_by(SubAccount.name))).scalars())

    async def by_external(self, account_id: str, external_id: str) -> SubAccount | None:
        stmt = select(SubAccount).where(
            SubAccount.account_id == account_id, SubAccount.external_id == external_id
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()


async def account_by_id(session: AsyncSession, account_id: str) -> SocialAccount | None:
    """Any owner's account, deleted or not (for work that is not a caller's request)."""
    return await session.get(SocialAccount, account_id)


async def load_accounts(session: AsyncSession, account_ids: Sequence[str]) -> None:
    """Into the session's identity map, where ``session.get`` finds them without a query.
    The identity map holds unchanged objects weakly, so the transaction's memo (when it has
    one) keeps them alive until it ends."""
    ids = sorted(set(account_ids))
    if not ids:
        return
    rows = (await session.scalars(select(SocialAccount).where(SocialAccount.id.in_(ids)))).all()
    reads = memo(session)
    if reads is not None:
        reads[("accounts", tuple(ids))] = rows


async def subaccount_by_id(session: AsyncSession, subaccount_id: str) -> SubAccount | None:
    return await session.get(SubAccount, subaccount_id)


async def due_for_refresh(
    session: AsyncSession, expiring_before: datetime, limit: int
) -> list[SocialAccount]:
    """Active live accounts (any owner) whose access token expires before ``expiring_before``,
    soonest first: the periodic token refresh's work list."""
    stmt = (
        select(SocialAccount)
        .where(
            SocialAccount.is_active.is_(True),
            SocialAccount.deleted_at.is_(None),
            SocialAccount.sandbox.is_(False),
            SocialAccount.token_expires_at.is_not(None),
            SocialAccount.token_expires_at <= expiring_before,
        )
        .order_by(SocialAccount.token_expires_at, SocialAccount.id)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def claim_refresh(
    session: AsyncSession,
    account_id: str,
    seen: datetime | None,
    now: datetime,
    until: datetime,
) -> bool:
    """Take the account's token refresh until ``until`` unless another worker holds a live
    claim or has refreshed the token since the caller read it (its expiry is no longer
    ``seen``: on PostgreSQL a rival can finish a whole refresh between the caller's read and
    this UPDATE, and refreshing again would spend the rotated refresh token); True if this
    caller has it."""
    claimed = await session.execute(
        update(SocialAccount)
        .where(
            SocialAccount.id == account_id,
            SocialAccount.token_expires_at == seen,
            or_(
                SocialAccount.refresh_claimed_until.is_(None),
                SocialAccount.refresh_claimed_until < now,
            ),
        )
        .values(refresh_claimed_until=until)
        .execution_options(synchronize_session=False)
    )
    return getattr(claimed, "rowcount", 0) == 1


async def oauth_state_for_update(session: AsyncSession, state_hash: str) -> OAuthState | None:
    """The connect link's row, locked: two callbacks with one link cannot both use it."""
    return await session.scalar(
        select(OAuthState).where(OAuthState.state_hash == state_hash).with_for_update()
    )
