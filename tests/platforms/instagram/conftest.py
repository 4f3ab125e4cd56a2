"""Fixtures for the Instagram adapter tests: the adapter wired to the contract fake with a
seeded Facebook user whose Page links an Instagram account, container polls without waiting."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from tests.fakes.fixtures import Fakes
from tests.fakes.instagram import IgData, Seeded, data, seed_account

from lowtato.media.fetch import GuardedMediaFetcher
from lowtato.platforms.base import AdapterContext, Credentials, Media, PublishRequest
from lowtato.platforms.instagram.adapter import InstagramAdapter


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Container status reads back to back (the count stays bounded as in production)."""
    monkeypatch.setattr(InstagramAdapter, "poll_delays", (0.0,) * 10)


@dataclass
class IG:
    fakes: Fakes
    ctx: AdapterContext
    seeded: Seeded
    adapter: InstagramAdapter

    @property
    def db(self) -> IgData:
        return data(self.fakes.state)

    @property
    def creds(self) -> Credentials:
        return Credentials(self.seeded.ig_id, self.seeded.username, self.seeded.token)

    def request(
        self, text: str, *media: str, post_id: str = "post_1", **options: object
    ) -> PublishRequest:
        urls = [Media(url=self.fakes.media(name)) for name in media]
        return PublishRequest(post_id, text, urls, dict(options))

    def publishes(self) -> int:
        return len(self.fakes.state.calls_to("instagram", "POST", "/media_publish"))


@pytest.fixture
async def ig(fakes: Fakes) -> AsyncIterator[IG]:
    seeded = seed_account(fakes.state)
    fetch = GuardedMediaFetcher(allow_private=True, max_bytes=20 * 1024 * 1024)
    async with httpx.AsyncClient(timeout=httpx.Timeout(1.0)) as http:
        base = f"{fakes.url}/instagram"
        ctx = AdapterContext(http, base, base, fetch, private_media_ok=True)
        yield IG(fakes, ctx, seeded, InstagramAdapter())
