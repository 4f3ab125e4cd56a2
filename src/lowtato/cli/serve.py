"""``lowtato serve`` — the API (and, unless ``--no-worker``, the embedded worker)."""

from __future__ import annotations

import asyncio
import socket

import typer
import uvicorn
from sqlalchemy.exc import SQLAlchemyError

from lowtato.app import create_app
from lowtato.cli.common import console, err_console, settings
from lowtato.cli.demo import bootstrap_demo
from lowtato.config import Settings
from lowtato.encryption import fingerprint
from lowtato.kit import logs
from lowtato.kit.crypto import KeyRing
from lowtato.kit.db import Database
from lowtato.kit.migrate import upgrade_if_behind

GRACEFUL_SHUTDOWN_SECONDS = 20


def serve(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port", help="0 picks a free port"),
    no_worker: bool = typer.Option(False, "--no-worker", help="API only (scale-out)"),
    log_level: str = typer.Option("info", "--log-level"),
) -> None:
    """Start the API. On the embedded default (SQLite) this migrates the database first."""
    base = settings()
    logs.configure(log_level, base.log_format)
    if base.is_sqlite:
        upgrade_if_behind(base.resolved_database_url)
    _check_keys(base)  # a host with the wrong keys never takes the port
    # Bound before the app is built, so the links this server hands out name the port it
    # really listens on (also when --port 0 let the system choose).
    sock = _bind(host, port)
    config = with_public_url(base, host, sock.getsockname()[1])
    if config.is_sqlite and config.bootstrap_demo:
        _bootstrap(config)
    app = create_app(config, worker=not no_worker)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            log_level=log_level,
            proxy_headers=False,
            # Our handler (logs.configure) writes uvicorn's lines too; the request line comes
            # from the request-context middleware, with the route and the owner.
            log_config=None,
            access_log=False,
            # No route speaks WebSocket; "auto" would import the websockets library (17 modules).
            ws="none",
            # SIGTERM: stop accepting, let requests in flight finish (long streams are cut
            # after this), then the lifespan stops the embedded worker (its own grace).
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        )
    )
    console.print(f"Lowtato listens on {config.public_url}")
    server.run(sockets=[sock])


def with_public_url(config: Settings, host: str, port: int) -> Settings:
    """``LOWTATO_PUBLIC_URL`` when the operator set it; otherwise this server's own address
    (a wildcard host is not an address to link to, so it becomes the loopback)."""
    if "public_url" in config.model_fields_set:
        return config
    shown = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(host, host)  # noqa: S104
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"  # an IPv6 literal in a URL
    return config.model_copy(update={"public_url": f"http://{shown}:{port}"})


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        console.print(f"[red]error:[/red] cannot listen on {host}:{port}: {exc.strerror}")
        raise typer.Exit(1) from exc
    sock.set_inheritable(True)
    return sock


def _check_keys(config: Settings) -> None:
    """Refuse, with a one-line reason, a key ring that cannot read the stored secrets (the app
    checks again at start-up; this only spares the operator a traceback)."""

    async def go() -> None:
        db = Database(config.resolved_database_url)
        try:
            await fingerprint.verify(db, KeyRing(config.resolved_encryption_keys))
        except (SQLAlchemyError, OSError):
            return  # unreachable or not migrated: the app starts and its health check says so
        finally:
            await db.dispose()

    try:
        asyncio.run(go())
    except fingerprint.KeyRingMismatch as exc:
        err_console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(1) from exc


def _bootstrap(config: Settings) -> None:
    async def go() -> None:
        db = Database(config.resolved_database_url)
        try:
            made = await bootstrap_demo(
                db, config.resolved_secret_key, KeyRing(config.resolved_encryption_keys)
            )
        finally:
            await db.dispose()
        if made is None:
            return
        console.print(
            "\n[bold green]First start:[/bold green] created demo owner "
            f"{made.email} ({made.user_id}) on the starter plan.\n"
            f"Test-mode API key (shown once, publishes to the sandbox network only):\n\n"
            f"    [bold]{made.test_key}[/bold]\n\n"
            f"Sandbox accounts (one per platform): {', '.join(made.accounts)} — list them with\n"
            f"    curl -s {config.public_url}/api/v1/accounts -H 'x-api-key: <key>'\n"
            "Make more keys with: lowtato keys create --email demo@lowtato.local [--test]\n"
            "Dashboard (one-time sign-in link, valid 15 minutes; set a password with\n"
            "lowtato users set-password --email demo@lowtato.local):\n\n"
            f"    {config.public_url}/signin/link?token={made.sign_in_token}\n",
            soft_wrap=True,
        )

    asyncio.run(go())
