"""The contract fakes, started once per test run on loopback, reset before each test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from tests.conftest import AppFactory, empty_database
from tests.fakes.server import serve
from tests.fakes.state import FakeState

from lowtato.jobs.worker import Worker
from lowtato.runtime import build_registry

# For tests that call an adapter directly: an answer later than half a second is a lost one
# (a fake's ``timeout_after_commit`` hangs longer), but reaching the fake may take longer on
# a loaded machine, and a connect that timed out there (seen in CI) is the test box, not the
# platform.
QUICK_GIVE_UP = httpx.Timeout(0.5, connect=5.0, pool=5.0)


@dataclass
class Fakes:
    url: str
    state: FakeState

    def media(self, name: str) -> str:
        return f"{self.url}/media/{name}"


@pytest.fixture(scope="session")
async def _fake_server() -> AsyncIterator[Fakes]:
    state = FakeState()
    async with serve(state) as url:
        yield Fakes(url, state)


@pytest.fixture
def fakes(_fake_server: Fakes) -> Fakes:
    _fake_server.state.reset()
    return _fake_server


FAKE_PREFIXES = {
    "twitter": "/x",
    "bluesky": "/bsky",
    "linkedin": "/linkedin",
    "facebook": "/meta",
    "tiktok": "/tiktok",
    "threads": "/threads",
    "pinterest": "/pinterest/v5",
    "youtube": "/google",
    "instagram": "/instagram",
}


@pytest.fixture
async def live_app(app_factory: AppFactory, fakes: Fakes) -> FastAPI:
    """An app whose live adapters talk to the fakes, with a short platform timeout so a
    fake's ``timeout_after_commit`` is seen as a lost answer."""
    platforms = {
        name: {
            "base_url": fakes.url + prefix,
            "auth_url": fakes.url + prefix,
            "client_id": f"{name}-client-id",
            "client_secret": f"{name}-client-secret",
        }
        for name, prefix in FAKE_PREFIXES.items()
    }
    fakes.state.hang_seconds = 2.0
    app = await app_factory(platforms=platforms, platform_timeout_seconds=1.0)
    await empty_database(app.state.db)
    await app.state.limiter.reset()
    return app


@pytest.fixture
def live_worker(live_app: FastAPI) -> Worker:
    return Worker(live_app.state.db, build_registry(live_app.state.services), concurrency=4)
