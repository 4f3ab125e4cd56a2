"""``lowtato users …``"""

from __future__ import annotations

import typer

from lowtato.auth import service
from lowtato.cli.common import emit, run, settings, transaction
from lowtato.plans import PLANS

app = typer.Typer(help="Owners (users).", no_args_is_help=True)


@app.command()
def create(
    email: str = typer.Option(..., "--email"),
    plan: str = typer.Option("starter", "--plan", help=f"one of {', '.join(PLANS)}"),
    name: str = typer.Option("", "--name", help="display name"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Create an owner and print its id."""
    config = settings()

    async def go() -> str:
        async with transaction(config) as session:
            user = await service.create_user(session, email=email, plan=plan, display_name=name)
            return user.id

    user_id = run(go)
    emit(as_json, {"id": user_id, "email": email.lower(), "plan": plan}, user_id)
