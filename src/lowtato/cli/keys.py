"""``lowtato keys …``"""

from __future__ import annotations

import typer

from lowtato.auth import service
from lowtato.auth.repository import ApiKeyRepository
from lowtato.auth.scopes import ALL_SCOPES, parse_scopes
from lowtato.cli.common import emit, owner_by_email, run, settings, transaction
from lowtato.kit import clock

app = typer.Typer(help="API keys.", no_args_is_help=True)


@app.command()
def create(
    email: str = typer.Option(..., "--email"),
    scopes: str = typer.Option("", "--scopes", help=f"comma list of {', '.join(ALL_SCOPES)}"),
    test: bool = typer.Option(False, "--test", help="a test-mode key (sandbox network)"),
    name: str = typer.Option("", "--name"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Create a key for the owner with EMAIL and print it (shown this once only)."""
    config = settings()
    try:
        scope_list = parse_scopes(scopes)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--scopes") from exc

    async def go() -> tuple[str, str]:
        async with transaction(config) as session:
            user = await owner_by_email(session, email)
            created = await service.create_key(
                session,
                pepper=config.resolved_secret_key,
                user=user,
                livemode=not test,
                scopes=scope_list,
                name=name,
            )
            return created.key.id, created.plaintext

    key_id, plaintext = run(go)
    emit(
        as_json,
        {"id": key_id, "key": plaintext, "livemode": not test, "scopes": scope_list},
        plaintext,
    )


@app.command("list")
def list_keys(
    email: str = typer.Option(..., "--email"), as_json: bool = typer.Option(False, "--json")
) -> None:
    """List the owner's keys (display prefix only; secrets are never stored)."""
    config = settings()

    async def go() -> list[dict[str, object]]:
        async with transaction(config) as session:
            user = await owner_by_email(session, email)
            return [
                {
                    "id": k.id,
                    "display": k.display,
                    "livemode": k.livemode,
                    "scopes": k.scopes,
                    "created_at": clock.iso(k.created_at),
                    "last_used_at": clock.iso(k.last_used_at),
                    "revoked_at": clock.iso(k.revoked_at),
                }
                for k in await ApiKeyRepository(session).list_for_user(user.id)
            ]

    rows = run(go)
    text = "\n".join(
        f"{r['id']}  {r['display']}  {'live' if r['livemode'] else 'test'}  "
        f"scopes={','.join(r['scopes']) or 'all'}  {'REVOKED' if r['revoked_at'] else 'active'}"  # type: ignore[arg-type]
        for r in rows
    )
    emit(as_json, rows, text or "no keys")


@app.command()
def revoke(key_id: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """Revoke KEY_ID; requests with it get 401 within a second or two."""
    config = settings()
    if not key_id.startswith("key_"):
        raise typer.BadParameter("expected a key id like key_…", param_hint="KEY_ID")

    async def go() -> None:
        async with transaction(config) as session:
            await service.revoke_key(session, key_id)

    run(go)
    emit(as_json, {"id": key_id, "revoked": True}, f"revoked {key_id}")
