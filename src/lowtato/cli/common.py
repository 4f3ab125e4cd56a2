"""Helpers shared by the CLI groups: settings, a database handle, output."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.auth.models import User
from lowtato.auth.repository import UserRepository
from lowtato.config import Settings
from lowtato.errors import LowtatoError, NotFound
from lowtato.kit.db import Database

console = Console()
err_console = Console(stderr=True)
T = TypeVar("T")


def settings() -> Settings:
    return Settings()


@asynccontextmanager
async def transaction(config: Settings) -> AsyncIterator[AsyncSession]:
    db = Database(config.resolved_database_url)
    try:
        async with db.transaction() as session:
            yield session
    finally:
        await db.dispose()


async def owner_by_email(session: AsyncSession, email: str) -> User:
    user = await UserRepository(session).get_by_email(email.strip().lower())
    if user is None:
        raise NotFound(f"no user with email {email}; create one with 'lowtato users create'")
    return user


def run(fn: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine; a LowtatoError becomes a one-line message and exit code 1."""
    import typer  # noqa: PLC0415 - keeps the module importable without the CLI extras

    try:
        return asyncio.run(fn())  # type: ignore[arg-type]
    except LowtatoError as exc:
        err_console.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(1) from exc


def emit(as_json: bool, data: Any, text: str) -> None:
    if as_json:
        print(json.dumps(data, indent=2, default=str))
    else:
        console.print(text, soft_wrap=True, highlight=False)
