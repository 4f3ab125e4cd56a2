"""LinkedIn adapter fixtures: an adapter context pointed at the contract fake, a seeded member."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from tests.fakes.fixtures import QUICK_GIVE_UP, Fakes
from tests.fakes.linkedin import CLIENT_ID, CLIENT_SECRET, PREFIX
from tests.fakes.linkedin_store import Seeded, seed_account

from lowtato.platforms.base import AdapterContext, Credentials, FetchedMedia, Media, OAuthApp
from lowtato.platforms.errors import Rejected
from lowtato.platforms.linkedin.adapter import Adapter
from lowtato.platforms.linkedin.media import Polling

APP = OAuthApp(CLIENT_ID, CLIENT_SECRET)
FAST = Polling(delays=(0.01, 0.02, 0.05), image_grace=0.01)
ORG_ID = "2414183"


@pytest.fixture
async def http(fakes: Fakes) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose timeout is shorter than the fake's hang, so a hung fake is a lost
    answer (shorter than the app's 1 s to keep the run fast)."""
    hang = fakes.state.hang_seconds
    fakes.state.hang_seconds = 1.2
    async with httpx.AsyncClient(timeout=QUICK_GIVE_UP, follow_redirects=False) as client:
        yield client
    fakes.state.hang_seconds = hang


@pytest.fixture
def ctx(fakes: Fakes, http: httpx.AsyncClient) -> AdapterContext:
    async def fetch(media: Media) -> FetchedMedia:
        # The app's fetcher (guarded, sniffing) is exercised by the end-to-end tests; here the
        # fake media host's own content type is enough.
        response = await http.get(media.url)
        if response.status_code != 200:
            raise Rejected(f"could not fetch media {media.url}", code="media_unavailable")
        return FetchedMedia(response.content, response.headers["content-type"].split(";")[0])

    return AdapterContext(http, fakes.url + PREFIX, fakes.url + PREFIX, fetch)


@pytest.fixture
def adapter() -> Adapter:
    return Adapter(app=APP, polling=FAST)


@pytest.fixture
def member(fakes: Fakes) -> Seeded:
    return seed_account(
        fakes.state,
        orgs={ORG_ID: ("Acme Corp", "ADMINISTRATOR"), "777": ("Side Project", "ANALYST")},
    )


@pytest.fixture
def creds(member: Seeded) -> Credentials:
    return Credentials(
        platform_user_id=member.sub,
        username=member.name,
        access_token=member.token,
        refresh_token=member.refresh_token,
    )
