"""TikTok adapter fixtures: the adapter wired to the contract fake, a seeded creator, status
polls without waiting, and Lowtato's clock (and so the fake's) stopped at the real second; and
``live``, a live owner's creator connected through the public API (the end-to-end tests)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from tests.conftest import OwnerFactory, client_for
from tests.fakes import tiktok_store as tt
from tests.fakes.fixtures import QUICK_GIVE_UP, Fakes
from tests.fakes.tiktok import PREFIX
from tests.platforms.live import LivePublisher

from lowtato.jobs.worker import Worker
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
    async with httpx.AsyncClient(timeout=QUICK_GIVE_UP) as http:
        ctx = AdapterContext(http, fakes.url + PREFIX, fakes.url + PREFIX, fetch, APP)
        yield TT(fakes, ctx, creator, Adapter())
    fakes.state.hang_seconds = hang


# -- a live owner's connected creator, driven through the public API -----------------

TIKTOK = "tiktok"


@dataclass(kw_only=True)
class Live(LivePublisher):
    creator: tt.Seeded

    async def create(
        self, text: str, media: list[str] | None = None, *, subaccount: str | None = None,
        **options: Any,
    ) -> str:  # fmt: skip
        """A TikTok post needs media and a privacy level: a clip and SELF_ONLY unless given."""
        options.setdefault("privacy_level", "SELF_ONLY")
        media = media or [self.fakes.media("clip.mp4")]
        return await super().create(text, media, subaccount=subaccount, **options)

    async def post(self, text: str, *media: str, **options: Any) -> dict[str, Any]:
        """Publish now and read the post back."""
        urls = [self.fakes.media(name) for name in media]
        return await self.get(await self.publish(text, urls, **options))

    def posts(self) -> list[tt.Post]:
        return tt.live_posts(self.fakes.state)

    async def accounts(self) -> list[dict[str, Any]]:
        response = await self.client.get("/api/v1/accounts", headers=self.owner.headers)
        return list(response.json()["accounts"])


async def connect(client: httpx.AsyncClient, headers: dict[str, str], creator: tt.Seeded,
                  expires_in: int = tt.TOKEN_TTL) -> str:  # fmt: skip
    response = await client.post("/api/v1/accounts/connect", headers=headers, json={
        "platform": TIKTOK, "access_token": creator.token, "refresh_token": creator.refresh_token,
        "platform_user_id": creator.open_id, "platform_username": creator.username,
        "expires_in": expires_in,
    })  # fmt: skip
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


@pytest.fixture
async def live(
    live_app: FastAPI,
    live_worker: Worker,
    make_owner: OwnerFactory,
    fakes: Fakes,
    frozen: FrozenClock,
) -> AsyncIterator[Live]:
    owner = await make_owner(livemode=True)
    creator = tt.seed_account(fakes.state)
    async with client_for(live_app) as client:
        account_id = await connect(client, owner.headers, creator)
        yield Live(client=client, owner=owner, account_id=account_id, creator=creator,
                   worker=live_worker, fakes=fakes, frozen=frozen)  # fmt: skip
