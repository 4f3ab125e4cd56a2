"""``lowtato users …``"""

from __future__ import annotations

import sys

import typer

from lowtato.auth import service
from lowtato.cli.common import console, emit, owner_by_email, run, settings, transaction
from lowtato.dashboard import service as dashboard
from lowtato.plans import PLANS

app = typer.Typer(help="Owners (users).", no_args_is_help=True)


@app.command()
def create(
    *,
    email: str = typer.Option(..., "--email"),
    plan: str = typer.Option("starter", "--plan", help=f"one of {', '.join(PLANS)}"),
    name: str = typer.Option("", "--name", help="display name"),
    password: bool = typer.Option(False, "--password", help="ask for a dashboard password"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="read it from stdin"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Create an owner and print its id (with a dashboard password when asked)."""
    config = settings()
    secret = _read_password(password_stdin) if password or password_stdin else None

    async def go() -> str:
        async with transaction(config) as session:
            user = await service.create_user(session, email=email, plan=plan, display_name=name)
            if secret is not None:
                await dashboard.set_password(session, user.email, secret)
            return user.id

    user_id = run(go)
    emit(as_json, {"id": user_id, "email": email.lower(), "plan": plan}, user_id)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    secret: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return secret


@app.command("set-password")
def set_password(
    email: str = typer.Option(..., "--email"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="read it from stdin"),
) -> None:
    """Set an owner's dashboard password (their open dashboard sessions end)."""
    config = settings()
    secret = _read_password(password_stdin)

    async def go() -> None:
        async with transaction(config) as session:
            await dashboard.set_password(session, email, secret)

    run(go)
    console.print(f"Password set for {email.strip().lower()}.")


@app.command("sign-in-link")
def sign_in_link(email: str = typer.Option(..., "--email")) -> None:
    """Print a one-time dashboard sign-in link (15 minutes)."""
    config = settings()

    async def go() -> str:
        async with transaction(config) as session:
            user = await owner_by_email(session, email)
            return await dashboard.create_link(session, user.id)

    token = run(go)
    console.print(f"{config.public_url}/signin/link?token={token}", highlight=False, soft_wrap=True)
