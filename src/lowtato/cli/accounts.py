"""``lowtato accounts refresh|disable ID``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer

from lowtato.accounts import admin
from lowtato.cli.common import bad_id, emit, err_console, run, settings
from lowtato.kit import clock
from lowtato.platforms.errors import PlatformError
from lowtato.runtime import Services

app = typer.Typer(help="Connected social accounts.", no_args_is_help=True)
T = TypeVar("T")


def _with_services(act: Callable[[Services], Awaitable[T]]) -> T:
    config = settings()

    async def go() -> T:
        services = Services.build(config)
        try:
            return await act(services)
        finally:
            await services.close()
            await services.db.dispose()

    return run(go)


@app.command()
def refresh(account_id: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """Refresh the account's access token now (as the periodic job does when it is due)."""
    bad_id(account_id, "acc_", "ACCOUNT_ID")
    try:
        fresh = _with_services(lambda services: admin.refresh_now(services, account_id))
    except PlatformError as exc:
        err_console.print(f"[red]error:[/red] the platform refused: {exc.reason}", highlight=False)
        raise typer.Exit(1) from exc
    expires = clock.iso(fresh.expires_at)
    emit(as_json, {"id": account_id, "refreshed": True, "expires_at": expires},
         f"refreshed {account_id}; the new token expires at {expires}")  # fmt: skip


@app.command()
def disable(
    account_id: str,
    reason: str = typer.Option("disabled by the operator", "--reason"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Disconnect the account: its posts fail until the owner reconnects it, and the owner
    gets one account.disconnected event with a reconnect link."""
    bad_id(account_id, "acc_", "ACCOUNT_ID")
    changed = _with_services(lambda services: admin.disable(services, account_id, reason))
    text = f"disabled {account_id}" if changed else f"{account_id} was already disconnected"
    emit(as_json, {"id": account_id, "disabled": True, "changed": changed}, text)
