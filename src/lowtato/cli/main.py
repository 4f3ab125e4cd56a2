"""The ``lowtato`` command: one Typer group per file."""

from __future__ import annotations

import typer

from lowtato.cli import (
    accounts,
    credits,
    db,
    jobs,
    keys,
    marketplace,
    posts,
    secrets,
    users,
    webhooks,
)
from lowtato.cli.backup import backup
from lowtato.cli.mcp import mcp
from lowtato.cli.serve import serve
from lowtato.cli.settings_table import settings_table
from lowtato.cli.worker import worker
from lowtato.runtime import subscribe_all

app = typer.Typer(help="Lowtato — social media automation API for AI agents.", no_args_is_help=True)


@app.callback()
def main() -> None:
    # Every command acts as the API would: one domain's change reaches the domains that
    # listen to it (a user created here opens their credit ledger).
    subscribe_all()


app.command()(serve)
app.command()(worker)
app.command()(mcp)
app.add_typer(db.app, name="db")
app.add_typer(users.app, name="users")
app.add_typer(keys.app, name="keys")
app.add_typer(secrets.app, name="secrets")
app.add_typer(credits.app, name="credits")
app.add_typer(marketplace.app, name="marketplace")
app.add_typer(jobs.app, name="jobs")
app.add_typer(posts.app, name="posts")
app.add_typer(webhooks.app, name="webhooks")
app.add_typer(accounts.app, name="accounts")
app.command()(backup)
app.command("settings-table")(settings_table)

if __name__ == "__main__":
    app()
