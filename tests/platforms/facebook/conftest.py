"""Fixtures for the Facebook Pages adapter tests: the adapter wired to the contract fake with a
seeded user who runs one Page, video status polls without waiting, and a frozen clock at the
real current second (the fake stamps posts with real time)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

import httpx
import pytest
from tests.fakes.facebook_graph import FacebookData, Seeded, data, seed_account
from tests.fakes.fixtures import Fakes

from lowtato.media.fetch import GuardedMediaFetcher
from lowtato.platforms.base import AdapterContext, Credentials, Media, OAuthApp, PublishRequest
from lowtato.platforms.facebook.adapter import FacebookAdapter

PAGE_ID, USER_ID = "200001", "100001"
APP = OAuthApp("facebook-client-id", "facebook-client-secret")


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Video status polls back to back (the count stays bounded as in production)."""
    monkeypatch.setattr(FacebookAdapter, "poll_delays", (0.0,) * 8)


@dataclass
class FB:
    fakes: Fakes
    ctx: AdapterContext
    seeded: Seeded
    adapter: FacebookAdapter

    @property
    def db(self) -> FacebookData:
        return data(self.fakes.state)

    @property
    def creds(self) -> Credentials:
        """The user's credentials targeting their Page, with its Page token."""
        return Credentials(
            USER_ID, "Ada Lovelace", self.seeded.user_token, expires_at=None,
            target_id=PAGE_ID, target_token=self.seeded.page_tokens[PAGE_ID],
        )  # fmt: skip

    def user_creds(self, **changes: object) -> Credentials:
        return replace(self.creds, target_id=None, target_token=None, **changes)  # type: ignore[arg-type]

    def request(
        self, text: str, *media: str, post_id: str = "post_1", **options: object
    ) -> PublishRequest:
        urls = [Media(url=self.fakes.media(name)) for name in media]
        return PublishRequest(post_id, text, urls, dict(options))

    def creates(self, edge: str) -> int:
        return len(self.fakes.state.calls_to("facebook", "POST", f"/{PAGE_ID}/{edge}"))


@pytest.fixture
async def fb(fakes: Fakes) -> AsyncIterator[FB]:
    seeded = seed_account(fakes.state)
    fetch = GuardedMediaFetcher(allow_private=True, max_bytes=20 * 1024 * 1024)
    async with httpx.AsyncClient(timeout=httpx.Timeout(1.0)) as http:
        ctx = AdapterContext(http, f"{fakes.url}/meta", f"{fakes.url}/meta", fetch)
        yield FB(fakes, ctx, seeded, FacebookAdapter())
