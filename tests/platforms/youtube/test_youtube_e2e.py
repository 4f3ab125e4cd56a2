"""End to end through the public API with a live key: connect a YouTube channel (tokens, or the
OAuth link flow), create a post, the worker uploads it to the YouTube fake over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from tests.conftest import OwnerFactory, client_for
from tests.fakes import youtube as fake
from tests.fakes.fixtures import Fakes
from tests.platforms.live import LivePublisher

from lowtato.jobs.worker import Worker
from lowtato.kit.clock import FrozenClock
from lowtato.platforms.youtube.adapter import Adapter
from lowtato.platforms.youtube.upload import UploadRules

YT = "youtube"


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(2.0)) as client:
        yield client


@dataclass(kw_only=True)
class Live(LivePublisher):
    def videos(self) -> list[fake.Video]:
        return fake.data(self.fakes.state).live()

    async def video(self, text: str, **options: Any) -> str:
        return await self.publish(text, [self.fakes.media("clip.mp4")],
                                  **{"title": "A title", **options})  # fmt: skip


@pytest.fixture
async def live(live_app: FastAPI, live_worker: Worker, make_owner: OwnerFactory, fakes: Fakes,
               frozen: FrozenClock) -> AsyncIterator[Live]:  # fmt: skip
    owner = await make_owner(livemode=True)
    access, refresh = fake.seed_account(fakes.state)
    async with client_for(live_app) as client:
        response = await client.post("/api/v1/accounts/connect", headers=owner.headers, json={
            "platform": YT, "access_token": access, "refresh_token": refresh,
            "platform_user_id": fake.data(fakes.state).channel_id, "expires_in": 3599,
        })  # fmt: skip
        assert response.status_code == 201, response.text
        assert response.json()["username"] == "@lowtatofan"
        yield Live(client=client, owner=owner, account_id=response.json()["id"],
                   worker=live_worker, fakes=fakes, frozen=frozen)  # fmt: skip


def assert_published(post: dict[str, Any], live: Live) -> None:
    assert post["status"] == "published", post
    [video] = live.videos()
    assert post["public_url"].endswith(video.id)


async def test_video(live: Live) -> None:
    post = await live.get(await live.video("hello", tags=["a b", "c"], privacy_status="private"))
    assert_published(post, live)
    assert live.videos()[0].body["snippet"]["tags"] == ["a b", "c"]


async def test_short(live: Live) -> None:
    post = await live.get(await live.video("small", post_type="short"))
    assert_published(post, live)
    assert post["public_url"].startswith("https://www.youtube.com/shorts/")


async def test_lost_answer_is_probed_to_exactly_one_video(live: Live) -> None:
    live.fakes.state.inject(YT, "upload.put", "timeout_after_commit", count=5)
    assert_published(await live.get(await live.video("lost answer")), live)
    assert len(live.fakes.state.calls_to(YT, "POST", "/upload/youtube/v3/videos")) == 1


async def test_unknown_outcome_is_reconciled_not_reuploaded(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Adapter, "rules", UploadRules())  # one chunk: it carries the last byte
    live.fakes.state.inject(YT, "upload.put", "timeout_after_commit", count=5)
    live.fakes.state.inject(YT, "upload.probe", "server_error", count=50)
    post_id = await live.video("did it post?", title="Reconcile me")
    post = await live.get(post_id)
    assert (post["status"], post["publish_state"]) == ("publishing", "unconfirmed")
    await live.later(5)
    assert_published(await live.get(post_id), live)
    assert len(live.fakes.state.calls_to(YT, "POST", "/upload/youtube/v3/videos")) == 1


async def test_quota_exceeded_is_retried_after_the_reset(live: Live) -> None:
    live.fakes.state.inject(YT, "upload.start", "rate_limit")
    post_id = await live.video("busy day")
    post = await live.get(post_id)
    assert (post["publish_state"], post["error_code"]) == ("retrying", "rate_limited")
    assert "midnight Pacific" in post["error_message"] and live.videos() == []
    await live.later(25 * 3600)
    assert_published(await live.get(post_id), live)


async def test_expired_token_fails_and_disconnects(live: Live) -> None:
    fake.data(live.fakes.state).tokens.clear()
    post = await live.get(await live.video("too late"))
    assert (post["status"], post["error_code"]) == ("failed", "token_expired")
    accounts = (await live.client.get("/api/v1/accounts", headers=live.owner.headers)).json()
    assert accounts["accounts"][0]["is_active"] is False and live.videos() == []


async def test_refused_metadata_fails_before_upload(live: Live) -> None:
    response = await live.client.post("/api/v1/posts", headers=live.owner.headers, json={"post": {
        "accountId": live.account_id, "options": {"title": "x" * 101},
        "content": {"text": "t", "mediaUrls": [live.fakes.media("clip.mp4")]}}})  # fmt: skip
    assert response.status_code in (400, 422), response.text
    assert live.fakes.state.calls_to(YT, "POST", "/upload/youtube/v3/videos") == []


async def test_oauth_link_connects_the_channel(live: Live, http: httpx.AsyncClient) -> None:
    link = await live.client.post("/api/v1/accounts/connect-link", headers=live.owner.headers,
                                  json={"platform": YT})  # fmt: skip
    assert link.status_code == 201, link.text
    approved = await http.get(link.json()["url"])
    assert approved.status_code == 302
    callback = urlsplit(approved.headers["location"])
    assert callback.path == "/oauth/youtube/callback"
    done = await live.client.get(f"{callback.path}?{callback.query}")
    assert done.status_code == 200, done.text
    assert_published(await live.get(await live.video("via oauth")), live)


async def test_error_bodies_are_summarised_not_echoed(live: Live) -> None:
    state = live.fakes.state
    for mode in ("echo_token", "html_500"):
        state.inject_raw(YT, "/upload/youtube/v3/videos", mode)
        post = await live.get(await live.video(f"garbage answer {mode}"))
        message = str(post["error_message"] or "")
        assert post["status"] in ("failed", "publishing"), post
        assert message and len(message) <= 400, message
        assert "<" not in message and "garbage answer" not in message
        assert not any(secret and secret in message for secret in state.echoed), message


async def test_token_near_expiry_is_refreshed_before_the_upload(live: Live) -> None:
    access, refresh = fake.seed_account(live.fakes.state)
    response = await live.client.post("/api/v1/accounts/connect", headers=live.owner.headers, json={
        "platform": YT, "access_token": access, "refresh_token": refresh,
        "platform_user_id": fake.data(live.fakes.state).channel_id, "expires_in": 120,
    })  # fmt: skip
    assert response.status_code == 201, response.text
    del fake.data(live.fakes.state).tokens[access]  # only a refreshed token works now
    assert_published(await live.get(await live.video("fresh token")), live)
    assert len(live.fakes.state.calls_to(YT, "POST", "/token")) == 1
