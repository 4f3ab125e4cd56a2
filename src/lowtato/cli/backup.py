"""``lowtato backup FILE``: a consistent copy of the embedded SQLite database, taken while the
server runs (SQLite's online backup API copies pages in steps and restarts a step a writer
changed, so requests keep being served)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import typer
from rich.progress import Progress
from sqlalchemy.engine import make_url

from lowtato.cli.common import emit, err_console, settings

PAGES_PER_STEP = 1024


def backup(
    target: str = typer.Argument(..., metavar="FILE", help="the copy to write (must not exist)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Back up the SQLite database to FILE. PostgreSQL: use pg_dump (docs/deploy.md)."""
    config = settings()
    file = Path(target)
    if not config.is_sqlite:
        err_console.print(
            "[red]error:[/red] LOWTATO_DATABASE_URL is PostgreSQL; back it up with pg_dump "
            '(e.g. pg_dump -Fc -f lowtato.dump "$DATABASE_URL"), see docs/deploy.md',
            highlight=False,
        )
        raise typer.Exit(1)
    source = Path(make_url(config.resolved_database_url).database or "")
    if not source.is_file():
        err_console.print(f"[red]error:[/red] no database at {source}", highlight=False)
        raise typer.Exit(1)
    if file.exists():
        err_console.print(f"[red]error:[/red] {file} exists; choose a new file", highlight=False)
        raise typer.Exit(1)
    src = sqlite3.connect(source)
    dst = sqlite3.connect(file)
    try:
        with Progress(console=err_console, transient=True) as progress:
            task = progress.add_task("backing up", total=None)

            def step(_status: int, remaining: int, total: int) -> None:
                progress.update(task, total=total, completed=total - remaining)

            src.backup(dst, pages=PAGES_PER_STEP, progress=step)
        check = dst.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        dst.close()
        src.close()
    size = file.stat().st_size
    emit(as_json, {"file": str(file), "bytes": size, "integrity": check},
         f"backed up {source} to {file} ({size} bytes, integrity {check})")  # fmt: skip
