"""``lowtato webhooks deliveries``: what was sent to whom, and how it went."""

from __future__ import annotations

from typing import Any

import typer

from lowtato.cli.common import emit, one_of, owner_by_email, rows_text, run, settings, transaction
from lowtato.cli.jobs import LIMIT
from lowtato.kit import clock
from lowtato.webhooks import repository
from lowtato.webhooks.models import DeliveryStatus

app = typer.Typer(help="Webhooks.", no_args_is_help=True)
STATUSES = tuple(s.value for s in DeliveryStatus)


def _line(d: dict[str, Any]) -> str:
    error = f"  error: {d['error'][:80]}" if d["error"] else ""
    return (
        f"{d['id']}  {d['webhook_id']}  {d['event_type']:<20} {d['status']:<9} "
        f"attempts={d['attempts']} http={d['response_status']} {d['duration_ms']}ms{error}"
    )


@app.command()
def deliveries(
    email: str = typer.Option("", "--email", help="only this owner's webhooks"),
    webhook: str = typer.Option("", "--webhook", help="only this webhook (wh_…)"),
    status: str = typer.Option("", "--status", help=f"one of {', '.join(STATUSES)}"),
    limit: int = LIMIT,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Deliveries, newest first, with their attempts."""
    chosen = one_of(status, STATUSES, "--status")
    config = settings()

    async def go() -> list[dict[str, Any]]:
        async with transaction(config) as session:
            owner = (await owner_by_email(session, email)).id if email else None
            found = await repository.recent_deliveries(
                session, owner_id=owner, webhook_id=webhook or None, status=chosen,
                limit=limit,
            )  # fmt: skip
            return [
                {
                    "id": d.id,
                    "webhook_id": d.webhook_id,
                    "owner_id": d.owner_id,
                    "event_type": d.event_type,
                    "status": d.status,
                    "attempts": d.attempts,
                    "response_status": d.response_status,
                    "duration_ms": d.duration_ms,
                    "error": d.error,
                    "attempt_log": d.attempt_log or [],
                    "created_at": clock.iso(d.created_at),
                    "finished_at": clock.iso(d.finished_at),
                }
                for d in found
            ]

    rows = run(go)
    emit(as_json, rows, "" if as_json else rows_text(rows, _line, "no deliveries"))
