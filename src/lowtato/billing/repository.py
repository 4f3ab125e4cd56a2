"""SQL for credit balances and plans (on the owner's row), the credits ledger, the owner's
Stripe customer and the Stripe events applied."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.auth.models import User
from lowtato.billing.models import BillingCustomer, CreditEntry, StripeEvent
from lowtato.kit import clock


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
    """Hundredths spent by the owner since ``start``: debits less their refunds (a refund's
    reason ends in ``.refund``: billing.credits.refund)."""
    spent = case(
        (CreditEntry.amount < 0, -CreditEntry.amount),
        # (an operator's grant reason is free text: "grant: …" never counts as a refund)
        (
            CreditEntry.reason.like("%.refund") & ~CreditEntry.reason.like("grant:%"),
            -CreditEntry.amount,
        ),
        else_=0,
    )
    used = await session.scalar(
        select(func.coalesce(func.sum(spent), 0)).where(
            CreditEntry.owner_id == owner_id, CreditEntry.created_at >= start
        )
    )
    return max(0, int(used or 0))


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


async def set_plan(session: AsyncSession, owner_id: str, plan: str) -> tuple[str, int] | None:
    """Set the owner's plan; returns (the plan before, the balance), None if no such owner.
    The row is locked first, so concurrent plan changes of one owner queue."""
    row = (
        await session.execute(
            select(User.plan, User.credits_balance).where(User.id == owner_id).with_for_update()
        )
    ).first()
    if row is None:
        return None
    await session.execute(update(User).where(User.id == owner_id).values(plan=plan))
    return str(row[0]), int(row[1])


def _insert(session: AsyncSession, model: Any) -> Any:
    return postgresql.insert(model) if _is_postgres(session) else sqlite.insert(model)


def _is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def customer(session: AsyncSession, owner_id: str) -> BillingCustomer | None:
    return await session.get(BillingCustomer, owner_id, populate_existing=True)


async def customer_by_stripe_id(session: AsyncSession, stripe_id: str) -> BillingCustomer | None:
    found = await session.scalars(
        select(BillingCustomer).where(BillingCustomer.stripe_customer_id == stripe_id)
    )
    return found.one_or_none()


async def keep_customer(session: AsyncSession, owner_id: str, stripe_id: str) -> BillingCustomer:
    """The owner's customer row, created with ``stripe_id`` unless one exists (the first
    stored customer wins a race between two checkouts)."""
    stmt = _insert(session, BillingCustomer).values(
        owner_id=owner_id, stripe_customer_id=stripe_id, updated_at=clock.now()
    )
    await session.execute(stmt.on_conflict_do_nothing(index_elements=["owner_id"]))
    kept = await customer(session, owner_id)
    if kept is None:  # pragma: no cover - the insert above or an earlier one made it
        msg = f"no billing customer for {owner_id}"
        raise LookupError(msg)
    return kept


async def record_event(
    session: AsyncSession, event_id: str, type_: str, owner_id: str | None
) -> bool:
    """Store a Stripe event id; False when it is already stored (a redelivery). On
    PostgreSQL a concurrent insert of the same id waits for the first transaction and then
    finds the row, so exactly one delivery applies the event."""
    stmt = (
        _insert(session, StripeEvent)
        .values(id=event_id, type=type_, owner_id=owner_id, received_at=clock.now())
        .on_conflict_do_nothing(index_elements=["id"])
        .returning(StripeEvent.id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None
