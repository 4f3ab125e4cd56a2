"""The request's database session: one transaction per request, committed before the
response is sent (``scope="function"`` runs the exit code right after the endpoint)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.kit.fastread import FastReads


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    # GET/HEAD handlers only read, so on SQLite they never queue behind writers.
    readonly = request.method in {"GET", "HEAD"}
    async with request.app.state.db.transaction(readonly=readonly) as session:
        yield session


Session = Annotated[AsyncSession, Depends(_session, scope="function")]


async def _reads(request: Request) -> FastReads:
    return request.app.state.db.reads  # type: ignore[no-any-return]


# For endpoints whose whole work is one read: no session, no transaction (kit.fastread).
Reads = Annotated[FastReads, Depends(_reads)]
