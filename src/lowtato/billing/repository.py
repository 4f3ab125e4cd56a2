"""SQL for credit balances (on the owner's row) and the credits ledger."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.auth.models import User
from lowtato.billing.models import CreditEntry


async def owner(session: AsyncSession, owner_id: str) -> User | None:
    return await session.get(User, owner_id)


async def take(session: AsyncSession, owner_id: str, amount: int) -> tuple[int, str] | None:
    """(new balance, plan) after taking ``amount`` from a balance that covers it; None if it
    does not (or there is no such owner). One conditional UPDATE: concurrent debits can never
    drive the balance below zero."""
    after = User.credits_balance - amount
    result = await session.execute(
        update(User)
        .where(User.id == owner_id, User.credits_balance >= amount)
        # The plan's credits go first: the top-up part shrinks only once the balance is
        # below it (both SET expressions read the row as it was).
        .values(
            credits_balance=after,
            credits_topup=case((User.credits_topup > after, after), else_=User.credits_topup),
        )
        .returning(User.credits_balance, User.plan)
    )
    row = result.first()
    return None if row is None else (int(row[0]), str(row[1]))


async def give(session: AsyncSession, owner_id: str, amount: int, *, topup: bool) -> int | None:
    """The new balance after adding ``amount`` (also to the top-up part, kept by the monthly
    reset, when ``topup``); None when there is no such owner."""
    result = await session.execute(
        update(User)
        .where(User.id == owner_id)
        .values(
            credits_balance=User.credits_balance + amount,
            credits_topup=User.credits_topup + (amount if topup else 0),
        )
        .returning(User.credits_balance)
    )
    row = result.first()
    return None if row is None else int(row[0])


async def recent_entries(session: AsyncSession, owner_id: str, limit: int) -> list[CreditEntry]:
    """The owner's newest ledger entries, newest first."""
    rows = await session.scalars(
        select(CreditEntry)
        .where(CreditEntry.owner_id == owner_id)
        .order_by(CreditEntry.created_at.desc(), CreditEntry.id.desc())
        .limit(limit)
    )
    return list(rows.all())


def add_entry(session: AsyncSession, entry: CreditEntry) -> None:
    session.add(entry)


async def used_since(session: AsyncSession, owner_id: str, start: datetime) -> int:
    """Hundredths debited from the owner since ``start``."""
    used = await session.scalar(
        select(func.coalesce(func.sum(-CreditEntry.amount), 0)).where(
            CreditEntry.owner_id == owner_id,
            CreditEntry.amount < 0,
            CreditEntry.created_at >= start,
        )
    )
    return int(used or 0)


async def not_reset_since(
    session: AsyncSession, start: datetime, *, limit: int = 500
) -> list[User]:
    """Up to ``limit`` owners (locked) without a ``monthly_reset`` ledger entry since ``start``.

    Two statements on purpose: on PostgreSQL a ``FOR UPDATE`` that waited for another
    worker's reset re-checks only the locked row, not a sub-select's snapshot, so a single
    ``WHERE id NOT IN (reset this month) FOR UPDATE`` lets a second worker reset again. Once
    the rows are locked, a fresh statement sees every reset committed before the lock."""
    done = select(CreditEntry.owner_id).where(
        CreditEntry.reason == "monthly_reset", CreditEntry.created_at >= start
    )
    while True:
        candidates = await session.scalars(
            select(User)
            .where(User.id.not_in(done))
            .order_by(User.id)  # one lock order for every worker: no deadlock between them
            .limit(limit)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        users = list(candidates.all())
        if not users:
            return []
        ids = [u.id for u in users]
        already = set((await session.scalars(done.where(CreditEntry.owner_id.in_(ids)))).all())
        if len(already) < len(users):
            return [u for u in users if u.id not in already]
        # The whole batch was reset by another worker while we waited: the next statement's
        # snapshot sees those resets, so it moves on to owners still waiting.
