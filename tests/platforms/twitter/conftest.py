"""Fixtures for the X adapter tests: the adapter wired to the contract fake, with a seeded
account, recorded (not slept) processing waits, and a frozen clock shared with the fake."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from tests.fakes.fixtures import Fakes
from tests.fakes.x import Store, seed_account, store

from lowtato.kit.clock import FrozenClock
from lowtato.platforms.base import AdapterContext, Credentials, FetchedMedia, Media
from lowtato.platforms.twitter.adapter import Adapter

USER_ID, USERNAME = "1001", "lowtato_fan"
# A 1x1 animated-GIF header is all the fake and the adapter look at.
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x00\x00\x00\x00\x00,"


@dataclass
class X:
    fakes: Fakes
    ctx: AdapterContext
    creds: Credentials
    adapter: Adapter
    sleeps: list[float]
    access_token: str
    refresh_token: str

    @property
    def store(self) -> Store:
        return store(self.fakes.state)

    def media(self, *names: str, alt: str | None = None) -> list[Media]:
        return [Media(url=self.fakes.media(n), alt_text=alt) for n in names]


@pytest.fixture
async def x(fakes: Fakes, frozen: FrozenClock) -> AsyncIterator[X]:
    access, refresh = seed_account(fakes.state, USER_ID, USERNAME)

    async def fetch(media: Media) -> FetchedMedia:
        """The media host's files, typed by its Content-Type (the app's own fetcher, which
        sniffs bytes and guards addresses, is exercised by the end-to-end tests)."""
        if media.url.endswith("/anim.gif"):  # the fake media host has no GIF
            return FetchedMedia(GIF * 4, "image/gif")
        response = await http.get(media.url)
        return FetchedMedia(response.content, response.headers["content-type"].split(";")[0])

    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async with httpx.AsyncClient(timeout=httpx.Timeout(1.0)) as http:
        ctx = AdapterContext(http, f"{fakes.url}/x", f"{fakes.url}/x", fetch)
        creds = Credentials(USER_ID, USERNAME, access, refresh)
        yield X(fakes, ctx, creds, Adapter(sleep=sleep), sleeps, access, refresh)
