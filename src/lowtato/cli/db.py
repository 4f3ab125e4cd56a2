"""``lowtato db …``"""

from __future__ import annotations

import typer

from lowtato.cli.common import console, settings
from lowtato.kit.migrate import upgrade as run_upgrade

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply migrations up to REVISION (default: head) on LOWTATO_DATABASE_URL."""
    config = settings()
    run_upgrade(config.resolved_database_url, revision)
    console.print(f"database at {revision}")
