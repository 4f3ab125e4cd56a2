"""Fixtures for the Bluesky adapter tests: the adapter wired to the contract fake PDS with a
seeded account, a fresh session cache per test, and a frozen clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

import httpx
import pytest
from tests.fakes import bluesky as fake
from tests.fakes import media_files
from tests.fakes.fixtures import Fakes

from lowtato.kit.clock import FrozenClock
from lowtato.platforms.base import AdapterContext, Credentials, FetchedMedia, Media
from lowtato.platforms.bluesky.adapter import Adapter
from lowtato.platforms.bluesky.client import SessionCache

HANDLE = "alice.test"


@dataclass
class Bsky:
    fakes: Fakes
    ctx: AdapterContext
    creds: Credentials
    adapter: Adapter
    account: fake.Account
    big_files: dict[str, FetchedMedia]

    def media(self, *names: str) -> list[Media]:
        return [Media(url=self.fakes.media(n)) for n in names]

    def calls(self, nsid: str) -> list[dict[str, object]]:
        return self.fakes.state.calls_to("bluesky", "POST", nsid) + self.fakes.state.calls_to(
            "bluesky", "GET", nsid
        )

    def records(self) -> list[dict[str, object]]:
        return fake.records(self.fakes.state, self.account.did)

    def with_password(self, password: str) -> Credentials:
        return replace(self.creds, access_token=password)


@pytest.fixture
async def bsky(fakes: Fakes, frozen: FrozenClock) -> AsyncIterator[Bsky]:
    account = fake.seed_account(fakes.state, HANDLE)
    big_files: dict[str, FetchedMedia] = {}

    async def fetch(media: Media) -> FetchedMedia:
        # The media host's files, or ones a test adds (too big, odd types). The real fetcher
        # is exercised by the end-to-end tests.
        name = media.url.rsplit("/", 1)[-1]
        if name in big_files:
            return big_files[name]
        mime, data = media_files.FILES[name]
        return FetchedMedia(data, mime)

    async with httpx.AsyncClient(timeout=httpx.Timeout(1.0)) as http:
        ctx = AdapterContext(http, f"{fakes.url}/bsky", "", fetch)
        creds = Credentials(HANDLE, HANDLE, account.password)
        yield Bsky(fakes, ctx, creds, Adapter(SessionCache()), account, big_files)
