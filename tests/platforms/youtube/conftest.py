"""YouTube adapter fixtures: the adapter wired to the contract fake, with a connected channel,
256 KiB chunks (so the test videos take several) and processing polls without waiting."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from tests.fakes import youtube as fake
from tests.fakes.fixtures import QUICK_GIVE_UP, Fakes

from lowtato.media.fetch import GuardedMediaFetcher
from lowtato.platforms.base import AdapterContext, Credentials, Media, OAuthApp, PublishRequest
from lowtato.platforms.youtube.adapter import Adapter
from lowtato.platforms.youtube.upload import CHUNK_UNIT, UploadRules

APP = OAuthApp(fake.CLIENT_ID, fake.CLIENT_SECRET)


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Adapter, "poll_delays", (0.0,) * 4)
    monkeypatch.setattr(Adapter, "rules", UploadRules(chunk_bytes=CHUNK_UNIT))


@dataclass
class YT:
    fakes: Fakes
    ctx: AdapterContext
    creds: Credentials
    adapter: Adapter

    @property
    def db(self) -> fake.YouTubeData:
        return fake.data(self.fakes.state)

    def request(self, text: str = "a description", media: str = "clip.mp4",
                post_id: str = "post_1", **options: object) -> PublishRequest:  # fmt: skip
        return PublishRequest(post_id, text, [Media(url=self.fakes.media(media))],
                              {"title": "A title", **options})  # fmt: skip

    def calls(self, method: str, suffix: str) -> list[dict[str, object]]:
        return self.fakes.state.calls_to(fake.PLATFORM, method, suffix)


@pytest.fixture
async def yt(fakes: Fakes) -> AsyncIterator[YT]:
    access, refresh = fake.seed_account(fakes.state)
    fetch = GuardedMediaFetcher(allow_private=True, max_bytes=20 * 1024 * 1024)
    hang = fakes.state.hang_seconds
    fakes.state.hang_seconds = 1.2
    async with httpx.AsyncClient(timeout=QUICK_GIVE_UP) as http:
        url = fakes.url + fake.PREFIX
        ctx = AdapterContext(http, url, url, fetch, APP)
        yield YT(fakes, ctx, Credentials("UCfake", "Fan", access, refresh), Adapter())
    fakes.state.hang_seconds = hang
