"""Helpers shared by the CLI groups: settings, a database handle, output."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from rich.console import Console
from rich.progress import track
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


def rows_text(rows: Sequence[T], line: Callable[[T], str], empty: str) -> str:
    """One line per row; a progress bar (on stderr, gone when done) when there are many."""
    walked: Iterable[T] = rows
    if len(rows) > PROGRESS_FROM:
        walked = track(rows, description="reading", console=err_console, transient=True)
    return "\n".join(line(row) for row in walked) or empty


PROGRESS_FROM = 200


def one_of(value: str, choices: Sequence[str], hint: str) -> str | None:
    """An optional filter: None when empty, a usage error (exit code 2) when unknown."""
    import typer  # noqa: PLC0415 - keeps the module importable without the CLI extras

    if value and value not in choices:
        raise typer.BadParameter(f"one of {', '.join(choices)}", param_hint=hint)
    return value or None


def bad_id(value: str, prefix: str, name: str) -> None:
    """A malformed id is a usage error (exit code 2), before anything is opened."""
    import typer  # noqa: PLC0415 - keeps the module importable without the CLI extras

    if not value.startswith(prefix):
        raise typer.BadParameter(f"expected an id like {prefix}…", param_hint=name)


def emit(as_json: bool, data: Any, text: str) -> None:
    if as_json:
        print(json.dumps(data, indent=2, default=str))
    else:
        console.print(text, soft_wrap=True, highlight=False)
