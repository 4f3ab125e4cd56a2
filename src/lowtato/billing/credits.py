"""Credits: atomic debits that never go negative, a ledger, the monthly reset, and the
``credits.low`` event when a debit takes the balance under the low-water mark.

Amounts are integer hundredths (``50`` = 0.5 credits); the API shows decimals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.auth.events import OwnerCreated
from lowtato.billing import repository
from lowtato.billing.models import CreditEntry
from lowtato.errors import InsufficientCredits, NotFound
from lowtato.events.service import EventType, emit
from lowtato.kit import clock
from lowtato.kit.ids import new_id
from lowtato.plans import PLANS, PlanName, credits_out

LOW_FRACTION = 0.1  # credits.low fires when a debit crosses 10 % of the monthly allocation


def month_start(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_month_start(at: datetime) -> datetime:
    start = month_start(at)
    return (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )


def low_mark(plan: str) -> int:
    return int(PLANS[PlanName(plan)].monthly_credits * LOW_FRACTION)


async def debit(session: AsyncSession, owner_id: str, amount: int, reason: str) -> int:
    """Take ``amount`` hundredths from the owner's balance; returns the new balance.

    One conditional UPDATE decides, so concurrent debits can never drive the balance below
    zero: the one that would is refused with 402 ``insufficient_credits``.
    """
    if amount <= 0:
        msg = "a debit must be positive"
        raise ValueError(msg)
    taken = await repository.take(session, owner_id, amount)
    if taken is None:
        user = await repository.owner(session, owner_id)
        if user is None:
            raise NotFound.of("user", owner_id)
        raise InsufficientCredits(
            f"This needs {credits_out(amount)} credits and the balance is "
            f"{credits_out(user.credits_balance)}. Credits reset at the start of next month "
            "(GET /api/v1/credits), or upgrade your plan.",
            details={"required": credits_out(amount), "balance": credits_out(user.credits_balance)},
        )
    balance, plan = taken
    entry = CreditEntry(
        id=new_id("cred"),
        owner_id=owner_id,
        amount=-amount,
        balance_after=balance,
        reason=reason,
        created_at=clock.now(),
    )
    repository.add_entry(session, entry)
    mark = low_mark(plan)
    if balance < mark <= balance + amount:
        data = {
            "balance": credits_out(balance),
            "threshold": credits_out(mark),
            "plan": plan,
            "resets_at": clock.iso(next_month_start(clock.now())),
        }
        # The balance is the owner's, not a mode's: both live and test webhooks hear it.
        for livemode in (True, False):
            await emit(session, owner_id=owner_id, livemode=livemode,
                       type=EventType.credits_low, data=data)  # fmt: skip
    return balance


async def _add(
    session: AsyncSession, owner_id: str, amount: int, reason: str, *, topup: bool
) -> int:
    """One UPDATE adds to whatever the balance is now (so it composes with concurrent
    debits) and one ledger entry records it; returns the new balance."""
    if amount <= 0:
        msg = "credits added must be positive"
        raise ValueError(msg)
    balance = await repository.give(session, owner_id, amount, topup=topup)
    if balance is None:
        raise NotFound.of("user", owner_id)
    entry = CreditEntry(id=new_id("cred"), owner_id=owner_id, amount=amount,
                        balance_after=balance, reason=reason, created_at=clock.now())  # fmt: skip
    repository.add_entry(session, entry)
    return balance


async def grant(session: AsyncSession, owner_id: str, amount: int, reason: str) -> int:
    """Add credits bought (``topup``) or given (an operator's grant); returns the new balance.
    They are spent after the plan's monthly credits, and the monthly reset keeps them."""
    return await _add(session, owner_id, amount, reason, topup=True)


REFUND = ".refund"  # a refund's ledger reason: the debit's reason + this


async def refund(session: AsyncSession, owner_id: str, amount: int, debit_reason: str) -> int:
    """Give back ``amount`` hundredths taken by a debit (made with ``debit_reason``) whose
    work failed (an AI provider error); returns the new balance. The ledger says
    ``<debit_reason>.refund``, and this month's use no longer counts the debit.

    Unlike a grant it adds nothing to the top-up part: a debit takes the plan's credits
    first, so that is what a refund gives back (in the rare case the failed call had dipped
    into top-up credits, that part comes back as plan credits)."""
    return await _add(session, owner_id, amount, debit_reason + REFUND, topup=False)


async def ledger(session: AsyncSession, owner_id: str, limit: int = 20) -> list[CreditEntry]:
    """The owner's newest ledger entries, newest first."""
    return await repository.recent_entries(session, owner_id, limit)


async def change_plan(session: AsyncSession, owner_id: str, plan: PlanName) -> None:
    """Put the owner on ``plan``. On a change of plan the balance is topped up to the new
    plan's monthly allocation when it is below it (ledger reason ``plan_change``), and never
    reduced: a downgrade keeps what is left until the next monthly reset sets the new
    allocation. Setting the plan the owner already has grants nothing."""
    found = await repository.set_plan(session, owner_id, plan.value)
    if found is None:
        raise NotFound.of("user", owner_id)
    before, balance = found
    allocation = PLANS[plan].monthly_credits
    if before != plan.value and balance < allocation:
        # Plan credits, not top-up: the next monthly reset replaces them as usual.
        await _add(session, owner_id, allocation - balance, "plan_change", topup=False)


@dataclass(frozen=True)
class CreditsSummary:
    balance: float
    topup_balance: float
    used_this_month: float
    plan_limit: float
    plan: str
    resets_at: str


async def summary(session: AsyncSession, owner_id: str) -> CreditsSummary:
    user = await repository.owner(session, owner_id)
    if user is None:
        raise NotFound.of("user", owner_id)
    now = clock.now()
    used = await repository.used_since(session, owner_id, month_start(now))
    return CreditsSummary(
        balance=credits_out(user.credits_balance),
        topup_balance=credits_out(user.credits_topup),
        used_this_month=credits_out(used),
        plan_limit=credits_out(PLANS[PlanName(user.plan)].monthly_credits),
        plan=user.plan,
        resets_at=clock.iso(next_month_start(now)) or "",
    )


async def open_ledger(session: AsyncSession, created: OwnerCreated) -> None:
    """A new owner's first allocation, recorded as this month's reset (subscribed to
    ``OwnerCreated`` by the composition)."""
    user = created.user
    repository.add_entry(
        session,
        CreditEntry(
            id=new_id("cred"),
            owner_id=user.id,
            amount=user.credits_balance,
            balance_after=user.credits_balance,
            reason="monthly_reset",
            created_at=user.created_at,
        ),
    )


async def reset_month(session: AsyncSession, now: datetime) -> int:
    """Give every owner not yet reset this month their plan's allocation (idempotent: the
    ledger's ``monthly_reset`` entry for this month is the marker). Batches keep each
    statement's id list short; a batch's entries are flushed before the next is chosen."""
    count = 0
    while users := await repository.not_reset_since(session, month_start(now)):
        for user in users:
            # The plan's credits start again; bought or granted ones are kept.
            balance = PLANS[PlanName(user.plan)].monthly_credits + user.credits_topup
            entry = CreditEntry(id=new_id("cred"), owner_id=user.id,
                                amount=balance - user.credits_balance, balance_after=balance,
                                reason="monthly_reset", created_at=now)  # fmt: skip
            repository.add_entry(session, entry)
            user.credits_balance = balance
        await session.flush()
        count += len(users)
    return count
