"""``lowtato secrets …``"""

from __future__ import annotations

import asyncio

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from lowtato.cli.common import console, emit, err_console, settings
from lowtato.encryption import rotation
from lowtato.encryption.fingerprint import KeyRingMismatch
from lowtato.encryption.rotation import RotationResult
from lowtato.kit.crypto import KeyRing
from lowtato.kit.db import Database

app = typer.Typer(help="Secrets at rest (tokens, webhook secrets).", no_args_is_help=True)


@app.command()
def rotate(
    batch_size: int = typer.Option(
        rotation.DEFAULT_BATCH, "--batch-size", min=1, help="rows re-encrypted per transaction"
    ),
    as_json: bool = typer.Option(False, "--json", help="print a JSON summary"),
) -> None:
    """Re-encrypt every secret under the first key of LOWTATO_ENCRYPTION_KEYS.

    Set LOWTATO_ENCRYPTION_KEYS=new,old on every process first. Safe to interrupt and run
    again. At the end the database requires the new key; then drop the old one.
    """
    config = settings()
    keyring = KeyRing(config.resolved_encryption_keys)

    async def go() -> RotationResult:
        db = Database(config.resolved_database_url)
        try:
            total = await rotation.count_stale(db, keyring)
            with Progress(
                TextColumn("re-encrypting"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=err_console,
                disable=as_json,
            ) as progress:
                task = progress.add_task("rotate", total=total)
                return await rotation.rotate(
                    db,
                    keyring,
                    batch_size=batch_size,
                    on_batch=lambda n: progress.advance(task, n),
                )
        finally:
            await db.dispose()

    try:
        result = asyncio.run(go())
    except KeyRingMismatch as exc:
        err_console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(1) from exc
    text = f"re-encrypted {result.rotated} secrets under key {result.key_id}; " + (
        "the database now requires this key"
        if result.fingerprint_updated
        else "the database still accepts the old key"
    )
    emit(as_json, result.as_dict(), text)
    if result.unreadable:
        err_console.print(
            "[red]error:[/red] no key in LOWTATO_ENCRYPTION_KEYS reads these secrets; "
            "reconnect or delete them, then run again: " + ", ".join(result.unreadable),
            highlight=False,
        )
        raise typer.Exit(1)
    if result.remaining:
        err_console.print(
            f"[red]error:[/red] {result.remaining} secrets were written under another key "
            "while rotating: give every process the new LOWTATO_ENCRYPTION_KEYS, then run again",
            highlight=False,
        )
        raise typer.Exit(1)
    if not as_json:
        console.print("done", highlight=False)
