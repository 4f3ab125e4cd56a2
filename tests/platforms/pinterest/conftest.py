"""Pinterest adapter fixtures: a context pointed at the contract fake, a seeded user."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from tests.fakes.fixtures import QUICK_GIVE_UP, Fakes
from tests.fakes.pinterest import CLIENT_ID, CLIENT_SECRET, PREFIX, Seeded, seed_account

from lowtato.platforms.base import AdapterContext, Credentials, FetchedMedia, Media, OAuthApp
from lowtato.platforms.errors import Rejected
from lowtato.platforms.pinterest.adapter import Adapter

APP = OAuthApp(CLIENT_ID, CLIENT_SECRET)


@pytest.fixture
async def http(fakes: Fakes) -> AsyncIterator[httpx.AsyncClient]:
    """A client timing out before the fake's hang, so a hung create is a lost answer."""
    hang = fakes.state.hang_seconds
    fakes.state.hang_seconds = 1.2
    async with httpx.AsyncClient(timeout=QUICK_GIVE_UP) as client:
        yield client
    fakes.state.hang_seconds = hang


@pytest.fixture
def ctx(fakes: Fakes, http: httpx.AsyncClient) -> AdapterContext:
    async def fetch(media: Media) -> FetchedMedia:
        response = await http.get(media.url)
        if response.status_code != 200:
            raise Rejected(f"could not fetch media {media.url}", code="media_unavailable")
        return FetchedMedia(response.content, response.headers["content-type"].split(";")[0])

    return AdapterContext(http, fakes.url + PREFIX + "/v5", fakes.url + PREFIX + "/v5", fetch)


@pytest.fixture
def adapter() -> Adapter:
    return Adapter(app=APP, poll_delays=(0, 0, 0, 0))


@pytest.fixture
def user(fakes: Fakes) -> Seeded:
    return seed_account(fakes.state)


@pytest.fixture
def creds(user: Seeded) -> Credentials:
    return Credentials(user.user_id, user.username, user.token, user.refresh_token)
