"""SDK clients driving a real app: ``AsyncLowtato`` through ``httpx.ASGITransport``, the sync
``Lowtato`` against the app served by uvicorn on loopback (run from a thread, since the server
shares the test's event loop)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from fastapi import FastAPI
from tests.conftest import Owner
from tests.fakes.server import serve_app

from lowtato.client import AsyncLowtato

BASE = "http://testserver"


def asgi_client(
    app: FastAPI,
    key: str | None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    max_retries: int = 3,
) -> AsyncLowtato:
    return AsyncLowtato(
        key,
        base_url=BASE,
        transport=transport or httpx.ASGITransport(app=app, raise_app_exceptions=False),
        max_retries=max_retries,
    )


@pytest.fixture
async def lt(app: FastAPI, owner: Owner) -> AsyncIterator[AsyncLowtato]:
    async with asgi_client(app, owner.key) as client:
        yield client


@pytest.fixture
async def live_url(app: FastAPI) -> AsyncIterator[str]:
    async with serve_app(app) as url:
        yield url


class Tap(httpx.AsyncBaseTransport):
    """Passes requests to the app and records them; ``plan`` can change what comes back for
    the n-th request: a canned answer, or a lost answer (the app ran it, the client gets a
    connection error)."""

    def __init__(self, app: FastAPI) -> None:
        self.inner = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        self.requests: list[httpx.Request] = []
        self.plan: dict[int, Callable[[httpx.Request], Awaitable[httpx.Response]]] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.plan.pop(len(self.requests), None)
        if step is not None:
            return await step(request)
        return await self.inner.handle_async_request(request)

    def answer(
        self, n: int, status: int, body: object, headers: dict[str, str] | None = None
    ) -> None:
        async def canned(request: httpx.Request) -> httpx.Response:
            return httpx.Response(status, json=body, headers=headers)

        self.plan[n] = canned

    def lose_answer(self, n: int) -> None:
        async def lost(request: httpx.Request) -> httpx.Response:
            response = await self.inner.handle_async_request(request)
            await response.aread()
            msg = "connection reset after the request was sent"
            raise httpx.ReadError(msg, request=request)

        self.plan[n] = lost
