"""SQL for credit balances (on the owner's row) and the credits ledger."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.auth.models import User
from lowtato.billing.models import CreditEntry


async def owner(session: AsyncSession, owner_id: str) -> User | None:
    return await session.get(User, owner_id)


async def take(session: AsyncSession, owner_id: str, amount: int) -> tuple[int, str] | None:
    """(new balance, plan) after taking ``amount`` from a balance that covers it; None if it
    does not (or there is no such owner). One conditional UPDATE: concurrent debits can never
    drive the balance below zero."""
    result = await session.execute(
        update(User)
        .where(User.id == owner_id, User.credits_balance >= amount)
        .values(credits_balance=User.credits_balance - amount)
        .returning(User.credits_balance, User.plan)
    )
    row = result.first()
    return None if row is None else (int(row[0]), str(row[1]))


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


async def not_reset_since(session: AsyncSession, start: datetime) -> list[User]:
    """Owners (locked) without a ``monthly_reset`` ledger entry since ``start``."""
    done = select(CreditEntry.owner_id).where(
        CreditEntry.reason == "monthly_reset", CreditEntry.created_at >= start
    )
    users = await session.scalars(select(User).where(User.id.not_in(done)).with_for_update())
    return list(users.all())
