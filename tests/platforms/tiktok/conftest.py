"""TikTok adapter fixtures: the adapter wired to the contract fake, a seeded creator, status
polls without waiting, and Lowtato's clock (and so the fake's) stopped at the real second."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from tests.fakes import tiktok_store as tt
from tests.fakes.fixtures import Fakes
from tests.fakes.tiktok import PREFIX

from lowtato.kit.clock import FrozenClock
from lowtato.media.fetch import GuardedMediaFetcher
from lowtato.platforms.base import AdapterContext, Credentials, Media, OAuthApp, PublishRequest
from lowtato.platforms.tiktok.adapter import Adapter

APP = OAuthApp(tt.CLIENT_KEY, tt.CLIENT_SECRET)


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Status polls back to back (the count stays bounded as in production)."""
    monkeypatch.setattr(Adapter, "poll_delays", (0.0,) * 10)


@dataclass
class TT:
    fakes: Fakes
    ctx: AdapterContext
    creator: tt.Seeded
    adapter: Adapter

    @property
    def db(self) -> tt.TikTokData:
        return tt.data(self.fakes.state)

    @property
    def creds(self) -> Credentials:
        c = self.creator
        return Credentials(c.open_id, c.username, c.token, c.refresh_token)

    def request(
        self, text: str, *media: str, post_id: str = "post_1", **options: object
    ) -> PublishRequest:
        options.setdefault("privacy_level", "SELF_ONLY")
        urls = [Media(url=self.fakes.media(name)) for name in media]
        return PublishRequest(post_id, text, urls, dict(options))

    def calls(self, part: str, method: str = "POST") -> list[dict[str, Any]]:
        """Calls whose path contains ``part`` (upload URLs end in the publish id)."""
        return [
            c for c in self.fakes.state.calls
            if c["platform"] == tt.PLATFORM and c["method"] == method and part in c["path"]
        ]  # fmt: skip


@pytest.fixture
async def tiktok(fakes: Fakes, frozen: FrozenClock) -> AsyncIterator[TT]:
    creator = tt.seed_account(fakes.state)
    fetch = GuardedMediaFetcher(allow_private=True, max_bytes=200 * 1024 * 1024)
    hang = fakes.state.hang_seconds
    fakes.state.hang_seconds = 1.2
    async with httpx.AsyncClient(timeout=httpx.Timeout(0.5)) as http:
        ctx = AdapterContext(http, fakes.url + PREFIX, fakes.url + PREFIX, fetch, APP)
        yield TT(fakes, ctx, creator, Adapter())
    fakes.state.hang_seconds = hang
