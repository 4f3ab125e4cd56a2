"""A test guard: no platform adapter call, no outbound HTTP request and no object-storage call
may run while a database transaction is open in the same task.

A writing transaction held across the network keeps SQLite's single write lock (or
PostgreSQL's row locks) for as long as a platform, webhook receiver or media host takes to
answer, so one slow platform stalls every other owner's writes. A read-only one holds a pooled
connection as long: a worker sizes its pool to its groups of transactions, not to the jobs it
runs at once (tests/engine/test_connections.py), so jobs waiting on platforms with connections
in hand would empty it. ``tests/conftest.py`` installs the guard for every
test; a violation fails the test at teardown, naming the call and where in Lowtato it was made.
"""

from __future__ import annotations

import inspect
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, cast

import httpx
import pytest

from lowtato.kit.db import read_transaction_open, write_transaction_open
from lowtato.media.storage import S3Storage
from lowtato.platforms.base import Adapter, AdapterContext
from lowtato.platforms.registry import AdapterRegistry


def _our_frames() -> str:
    frames = [
        f"{f.filename.rsplit('/src/', 1)[-1]}:{f.lineno} {f.name}"
        for f in traceback.extract_stack()
        if "/src/lowtato/" in f.filename
    ]
    return " <- ".join(reversed(frames[-6:])) or "(test code)"


@dataclass
class OutboundGuard:
    violations: list[str] = field(default_factory=list)

    def check(self, what: str) -> None:
        if write_transaction_open():
            self.violations.append(f"{what} inside a write transaction, at {_our_frames()}")
        elif read_transaction_open():
            self.violations.append(f"{what} inside a read transaction, at {_our_frames()}")

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        send = httpx.AsyncClient.send
        get = AdapterRegistry.get
        guard = self

        async def guarded_send(
            client: httpx.AsyncClient, request: httpx.Request, **kwargs: Any
        ) -> httpx.Response:
            guard.check(f"HTTP {request.method} {request.url.copy_with(query=None)}")
            return await send(client, request, **kwargs)

        def guarded_get(
            registry: AdapterRegistry, platform: str, *, sandbox: bool
        ) -> tuple[Adapter, AdapterContext]:
            adapter, ctx = get(registry, platform, sandbox=sandbox)
            return cast(Adapter, _Watched(adapter, guard, platform)), ctx

        monkeypatch.setattr(httpx.AsyncClient, "send", guarded_send)
        monkeypatch.setattr(AdapterRegistry, "get", guarded_get)
        for name in ("put_file", "source", "delete", "check"):  # boto3 calls S3 over the network
            monkeypatch.setattr(S3Storage, name, self._checked(getattr(S3Storage, name), name))

    def _checked(self, method: Callable[..., Awaitable[Any]], name: str) -> Any:
        async def checked(*args: Any, **kwargs: Any) -> Any:
            self.check(f"S3Storage.{name}()")
            return await method(*args, **kwargs)

        return checked


class _Watched:
    """An adapter whose coroutine methods are checked by the guard before they run."""

    def __init__(self, adapter: Adapter, guard: OutboundGuard, platform: str) -> None:
        self._adapter = adapter
        self._guard = guard
        self._platform = platform

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._adapter, name)
        if not inspect.iscoroutinefunction(value):
            return value

        async def checked(*args: Any, **kwargs: Any) -> Any:
            self._guard.check(f"{self._platform} adapter.{name}()")
            method: Callable[..., Awaitable[Any]] = value
            return await method(*args, **kwargs)

        return checked
