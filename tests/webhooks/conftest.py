"""Webhook test harness: a real HTTP receiver on 127.0.0.1, a canary listener, a frozen clock
the reference verifier also reads, and a worker driven step by step."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import standardwebhooks.webhooks as swh
from fastapi import FastAPI
from sqlalchemy import func, select
from tests.conftest import Owner

from lowtato.events.models import Event
from lowtato.jobs import Registry
from lowtato.jobs.worker import Worker
from lowtato.kit import clock
from lowtato.kit.clock import FrozenClock, use_clock
from lowtato.webhooks import tasks as webhook_tasks
from lowtato.webhooks.delivery import WebhookSender

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@dataclass
class Received:
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes
    at: datetime  # lowtato's clock when it arrived (frozen in most tests)

    @property
    def json(self) -> Any:
        import json  # noqa: PLC0415

        return json.loads(self.body)


Reply = tuple[int, dict[str, str], bytes]
Responder = Callable[[Received], Awaitable[Reply]]


async def ok(_request: Received) -> Reply:
    return 200, {}, b"ok"


@dataclass
class Receiver:
    """HTTP/1.1 on 127.0.0.1 that records every request and answers with ``responder``."""

    responder: Responder = ok
    received: list[Received] = field(default_factory=list)
    connections: int = 0
    port: int = 0
    _server: asyncio.Server | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def start(self) -> Receiver:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=512)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            lines = head.split("\r\n")
            headers = {}
            for line in lines[1:]:
                name, sep, value = line.partition(":")
                if sep:
                    headers[name.strip().lower()] = value.strip()
            length = re.search(r"^\d+$", headers.get("content-length", "0"))
            body = await reader.readexactly(int(length.group(0)) if length else 0)
            request = Received(lines[0].split(" ")[1], headers, body, clock.now())
            self.received.append(request)
            status, extra, payload = await self.responder(request)
            out = [f"HTTP/1.1 {status} X", f"Content-Length: {len(payload)}", "Connection: close"]
            out += [f"{k}: {v}" for k, v in extra.items()]
            writer.write(("\r\n".join(out) + "\r\n\r\n").encode() + payload)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()
            self._tasks.discard(task)

    async def close(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    server = await Receiver().start()
    yield server
    await server.close()


@pytest.fixture
async def canary() -> AsyncIterator[Receiver]:
    """A listener nothing should ever reach: it counts connections."""
    server = await Receiver().start()
    yield server
    await server.close()


def set_verifier_clock(monkeypatch: pytest.MonkeyPatch, now: Callable[[], datetime]) -> None:
    """Make the reference ``standardwebhooks`` verifier judge timestamps against ``now()``
    instead of the system clock (it reads ``datetime.now`` from its module)."""

    class VirtualDatetime(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return now().astimezone(tz)

    monkeypatch.setattr(swh, "datetime", VirtualDatetime)


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> Iterator[FrozenClock]:
    """Lowtato's clock frozen at T0, and the reference verifier's notion of "now" with it, so
    timestamps checked by ``standardwebhooks`` are judged against the same virtual time."""
    frozen_clock = FrozenClock(T0)
    set_verifier_clock(monkeypatch, frozen_clock.now)
    with use_clock(frozen_clock):
        yield frozen_clock


def make_worker(app: FastAPI, sender: WebhookSender | None = None) -> Worker:
    """A worker running the webhook jobs only, with ``sender`` (default: the app's settings)."""
    registry = Registry()
    services = app.state.services
    webhook_tasks.install(
        registry,
        services,
        sender=sender or WebhookSender(allow_private=services.settings.allow_private_urls),
    )
    # SQLite has one writer: more concurrent jobs only queue on its lock (and its busy
    # handler sleeps), so two keep a send in flight while the other records.
    concurrency = 2 if app.state.db.is_sqlite else 16
    return Worker(app.state.db, registry, concurrency=concurrency, batch=64, lease_seconds=60)


@pytest.fixture
def worker(app: FastAPI) -> Worker:
    return make_worker(app)


async def create_webhook(
    client: httpx.AsyncClient, owner: Owner, url: str, events: list[str] | None = None
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/webhooks",
        headers=owner.headers,
        json={"url": url, "events": events or ["account.connected"]},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def deliveries(
    client: httpx.AsyncClient, owner: Owner, webhook_id: str, query: str = "limit=100"
) -> list[dict[str, Any]]:
    response = await client.get(
        f"/api/v1/webhooks/{webhook_id}/deliveries?{query}", headers=owner.headers
    )
    assert response.status_code == 200, response.text
    return list(response.json()["deliveries"])


async def get_webhook(client: httpx.AsyncClient, owner: Owner, webhook_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/webhooks/{webhook_id}", headers=owner.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def send_test(client: httpx.AsyncClient, owner: Owner, webhook_id: str) -> dict[str, Any]:
    response = await client.post(f"/api/v1/webhooks/{webhook_id}/test", headers=owner.headers)
    assert response.status_code == 202, response.text
    return dict(response.json())


async def count_events(app: FastAPI, owner: Owner, type_: str) -> int:
    async with app.state.db.transaction() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(Event)
                .where(Event.owner_id == owner.user_id, Event.type == type_)
            )
            or 0
        )


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)
