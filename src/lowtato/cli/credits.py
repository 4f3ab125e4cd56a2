"""``lowtato credits …``: an operator's view of an owner's credits, and grants."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import typer

from lowtato.billing import credits
from lowtato.cli.common import emit, owner_by_email, run, settings, transaction
from lowtato.kit import clock
from lowtato.plans import credits_out

app = typer.Typer(help="Owners' credits: balance, ledger, grants.", no_args_is_help=True)

MAX_GRANT = 1_000_000  # credits; a typo guard, not a business rule
REASON_CHARS = 50  # the ledger keeps "grant: " + this


def _hundredths(amount: str) -> int:
    """'2.5' → 250; at most two decimals, positive, below MAX_GRANT."""
    try:
        value = Decimal(amount)
    except InvalidOperation as exc:
        hint = "a number of credits, e.g. 10 or 2.5"
        raise typer.BadParameter(hint, param_hint="--amount") from exc
    hundredths = value * 100
    if not value.is_finite() or hundredths != hundredths.to_integral_value():
        raise typer.BadParameter("at most two decimals (0.01 credits)", param_hint="--amount")
    if not 0 < value <= MAX_GRANT:
        raise typer.BadParameter(f"more than 0 and at most {MAX_GRANT}", param_hint="--amount")
    return int(hundredths)


@app.command()
def grant(
    email: str = typer.Option(..., "--email"),
    amount: str = typer.Option(..., "--amount", help="credits to add, e.g. 100 or 2.5"),
    reason: str = typer.Option(..., "--reason", help="why, kept in the ledger"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Add credits to an owner's balance. Granted credits are spent after the plan's monthly
    credits and survive the monthly reset."""
    config = settings()
    hundredths = _hundredths(amount)
    reason = " ".join(reason.split())
    if not reason or len(reason) > REASON_CHARS:
        raise typer.BadParameter(f"1 to {REASON_CHARS} characters", param_hint="--reason")

    async def go() -> tuple[str, int]:
        async with transaction(config) as session:
            user = await owner_by_email(session, email)
            return user.id, await credits.grant(session, user.id, hundredths, f"grant: {reason}")

    user_id, balance = run(go)
    emit(
        as_json,
        {"owner_id": user_id, "granted": credits_out(hundredths), "balance": credits_out(balance)},
        f"granted {credits_out(hundredths)} credits to {email}; balance {credits_out(balance)}",
    )


@app.command()
def show(
    email: str = typer.Option(..., "--email"),
    entries: int = typer.Option(20, "--entries", min=1, max=1000, help="ledger lines to show"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """An owner's balance, this month's use and the newest ledger entries."""
    config = settings()

    async def go() -> tuple[str, credits.CreditsSummary, list[dict[str, float | str | None]]]:
        async with transaction(config) as session:
            user = await owner_by_email(session, email)
            summary = await credits.summary(session, user.id)
            rows = await credits.ledger(session, user.id, entries)
        ledger = [
            {
                "at": clock.iso(e.created_at),
                "amount": credits_out(e.amount),
                "balance_after": credits_out(e.balance_after),
                "reason": e.reason,
            }
            for e in rows
        ]
        return user.id, summary, ledger

    user_id, s, ledger = run(go)
    lines = [
        f"{email}  plan {s.plan}  balance {s.balance} (top-up {s.topup_balance})  "
        f"used this month {s.used_this_month} of {s.plan_limit}  resets {s.resets_at}",
        *(f"  {e['at']}  {e['amount']:+}  -> {e['balance_after']}  {e['reason']}" for e in ledger),
    ]
    emit(as_json, {"owner_id": user_id, **s.__dict__, "ledger": ledger}, "\n".join(lines))
