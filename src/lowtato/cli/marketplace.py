"""``lowtato marketplace …``: the operator's inventory of accounts for sale."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lowtato.cli.common import emit, run, settings
from lowtato.kit.crypto import KeyRing
from lowtato.kit.db import Database
from lowtato.marketplace import inventory
from lowtato.marketplace.inventory import ImportResult
from lowtato.marketplace.models import MarketplaceItem
from lowtato.marketplace.service import price_display

app = typer.Typer(help="The account marketplace's inventory.", no_args_is_help=True)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSON lines file")],
    as_json: bool = typer.Option(False, "--json", help="print a JSON summary"),
) -> None:
    """Add accounts for sale, one JSON object per line: {platform, username, price_cents,
    email, password, totp_secret?, access_token?, refresh_token?, platform_user_id?}.

    Every line is checked first; one bad line imports nothing. Accounts already in the
    inventory (same platform and username) are skipped. Credentials are stored encrypted.
    """
    config = settings()
    keyring = KeyRing(config.resolved_encryption_keys)
    with file.open(encoding="utf-8") as lines:
        text = lines.read().splitlines()

    async def go() -> ImportResult:
        items = inventory.parse_lines(text)
        db = Database(config.resolved_database_url)
        try:
            return await inventory.import_items(db, keyring, items)
        finally:
            await db.dispose()

    result = run(go)
    summary = {"imported": result.imported, "skipped": result.skipped}
    emit(as_json, summary, f"imported {result.imported}, skipped {result.skipped} duplicates")


@app.command("list")
def list_(as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """The operator's inventory: platform, username, price and status of every account."""
    config = settings()

    async def go() -> list[MarketplaceItem]:
        db = Database(config.resolved_database_url)
        try:
            return await inventory.operator_items(db)
        finally:
            await db.dispose()

    items = run(go)
    rows = [
        {"id": i.id, "platform": i.platform, "username": i.username,
         "price_cents": i.price_cents, "price": price_display(i.price_cents), "status": i.status}
        for i in items
    ]  # fmt: skip
    text = "\n".join(
        f"{r['id']}  {r['platform']:<10} {r['username']:<30} {r['price']:>10}  {r['status']}"
        for r in rows
    )
    emit(as_json, rows, text or "no accounts in the inventory")
