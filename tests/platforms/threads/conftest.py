"""Fixtures for the Threads adapter tests: the adapter wired to the contract fake with a seeded
profile, container polls without waiting, and a frozen clock at the real current second (the
fake stamps posts with real time)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from tests.fakes.fixtures import Fakes
from tests.fakes.threads_store import Seeded, ThreadsData, data, seed_account

from lowtato.media.fetch import GuardedMediaFetcher
from lowtato.platforms.base import AdapterContext, Credentials, Media, OAuthApp, PublishRequest
from lowtato.platforms.threads.adapter import ThreadsAdapter

APP = OAuthApp("threads-client-id", "threads-client-secret")


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Container status polls back to back (the count stays bounded as in production)."""
    monkeypatch.setattr(ThreadsAdapter, "poll_delays", (0.0,) * 10)


@dataclass
class TH:
    fakes: Fakes
    ctx: AdapterContext
    seeded: Seeded
    adapter: ThreadsAdapter

    @property
    def db(self) -> ThreadsData:
        return data(self.fakes.state)

    @property
    def creds(self) -> Credentials:
        return Credentials(self.seeded.user_id, self.seeded.username, self.seeded.token)

    def request(
        self, text: str, *media: str, post_id: str = "post_1", **options: object
    ) -> PublishRequest:
        urls = [Media(url=self.fakes.media(name)) for name in media]
        return PublishRequest(post_id, text, urls, dict(options))

    def publishes(self) -> int:
        return len(self.fakes.state.calls_to("threads", "POST", "/threads_publish"))


@pytest.fixture
async def th(fakes: Fakes) -> AsyncIterator[TH]:
    seeded = seed_account(fakes.state)
    fetch = GuardedMediaFetcher(allow_private=True, max_bytes=20 * 1024 * 1024)
    async with httpx.AsyncClient(timeout=httpx.Timeout(1.0)) as http:
        base = f"{fakes.url}/threads"
        yield TH(fakes, AdapterContext(http, base, base, fetch), seeded, ThreadsAdapter())
