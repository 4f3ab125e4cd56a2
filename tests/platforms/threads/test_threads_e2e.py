"""End to end through the public API with a live key: connect a Threads profile (tokens, or
the connect-link flow), create posts, and the worker publishes to the Threads fake over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from tests.conftest import OwnerFactory, client_for
from tests.fakes.fixtures import Fakes
from tests.fakes.threads_store import LONG_LIVED, Post, Seeded, posts, seed_account
from tests.platforms.live import LivePublisher, assert_errors_summarised

from lowtato.jobs.worker import Worker
from lowtato.kit.clock import FrozenClock

TH = "threads"


@dataclass(kw_only=True)
class Live(LivePublisher):
    profile: Seeded

    def publishes(self) -> int:
        return len(self.fakes.state.calls_to(TH, "POST", "/threads_publish"))

    def only_post(self) -> Post:
        (post,) = posts(self.fakes.state)
        return post


@pytest.fixture
async def live(
    live_app: FastAPI,
    live_worker: Worker,
    make_owner: OwnerFactory,
    fakes: Fakes,
    frozen: FrozenClock,
) -> AsyncIterator[Live]:
    owner = await make_owner(livemode=True)
    profile = seed_account(fakes.state)
    async with client_for(live_app) as client:
        response = await client.post("/api/v1/accounts/connect", headers=owner.headers, json={
            "platform": TH, "access_token": profile.token, "expires_in": LONG_LIVED,
            "platform_user_id": profile.user_id, "platform_username": profile.username,
        })  # fmt: skip
        assert response.status_code == 201, response.text
        yield Live(client=client, owner=owner, account_id=response.json()["id"], profile=profile,
                   worker=live_worker, fakes=fakes, frozen=frozen)  # fmt: skip


def assert_published(post: dict[str, object], live: Live) -> None:
    assert post["status"] == "published", post
    shortcode = live.only_post().shortcode
    assert post["public_url"] == f"https://www.threads.net/@ada.bakes/post/{shortcode}"


async def test_text_post_with_a_reply_chain(live: Live) -> None:
    post = await live.get(await live.publish("Menu thread 🧵", thread=["Starters", "Mains"]))
    assert_published(post, live)
    assert [p.text for p in posts(live.fakes.state, replies=True)] == ["Starters", "Mains"]
    assert live.publishes() == 3


@pytest.mark.parametrize(
    ("media", "kind"),
    [
        (["cat.png"], "IMAGE"),
        (["clip.mp4"], "VIDEO"),
        (["cat.png", "dog.jpg", "clip.mp4"], "CAROUSEL_ALBUM"),
    ],
)
async def test_every_media_post_type(live: Live, media: list[str], kind: str) -> None:
    live.fakes.state.inject(TH, "status", "slow_processing", count=2)
    post = await live.get(await live.publish(f"a {kind}", [live.fakes.media(m) for m in media]))
    assert_published(post, live)
    assert live.only_post().media_type == kind


async def test_too_long_text_is_refused_at_create(live: Live) -> None:
    response = await live.client.post("/api/v1/posts", headers=live.owner.headers, json={"post": {
        "accountId": live.account_id, "content": {"text": "😀" * 126}}})  # fmt: skip
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "validation_error"
    assert "504" in response.text and "emoji" in response.text
    assert live.fakes.state.calls_to(TH, "POST", "/threads") == []


async def test_rate_limit_is_retried_after_the_reset(live: Live) -> None:
    live.fakes.state.inject(TH, "publish", "rate_limit")
    post_id = await live.publish("busy hour")
    post = await live.get(post_id)
    assert (post["publish_state"], post["error_code"]) == ("retrying", "rate_limited")
    await live.later(200)
    assert (await live.get(post_id))["status"] == "publishing"  # the 300 s reset is honoured
    await live.later(101)
    assert_published(await live.get(post_id), live)


async def test_lost_answer_is_reconciled_to_one_post(live: Live) -> None:
    live.fakes.state.inject(TH, "publish", "timeout_after_commit")
    post_id = await live.publish("did it post?")
    post = await live.get(post_id)
    assert (post["status"], post["publish_state"]) == ("publishing", "unconfirmed")
    await live.later(5)
    assert_published(await live.get(post_id), live)
    assert live.publishes() == 1


async def test_expired_token_fails_the_post_and_disconnects(live: Live) -> None:
    live.fakes.state.inject(TH, "container", "auth_expired")
    post = await live.get(await live.publish("too late"))
    assert (post["status"], post["error_code"]) == ("failed", "token_expired")
    assert "Reconnect" in str(post["error_message"])
    accounts = (await live.client.get("/api/v1/accounts", headers=live.owner.headers)).json()[
        "accounts"
    ]
    assert accounts[0]["is_active"] is False


async def test_processing_failure_fails_the_post(live: Live) -> None:
    live.fakes.state.inject(TH, "status", "processing_failed")
    post = await live.get(await live.publish("bad clip", [live.fakes.media("clip.mp4")]))
    assert (post["status"], post["error_code"]) == ("failed", "processing_failed")
    assert live.publishes() == 0


async def test_connect_link_connects_the_profile_then_posts(live: Live) -> None:
    seed_account(live.fakes.state, user_id="7009", username="grace.codes", name="Grace")
    link = await live.client.post("/api/v1/accounts/connect-link", headers=live.owner.headers,
                                  json={"platform": TH})  # fmt: skip
    assert link.status_code == 201, link.text
    async with httpx.AsyncClient(timeout=5.0) as browser:
        approved = await browser.get(link.json()["url"])
    assert approved.status_code == 302
    callback = urlsplit(approved.headers["location"])
    assert callback.path == "/oauth/threads/callback"
    done = await live.client.get(f"{callback.path}?{callback.query}")
    assert done.status_code == 200, done.text
    accounts = (await live.client.get("/api/v1/accounts", headers=live.owner.headers)).json()[
        "accounts"
    ]
    grace = next(a for a in accounts if a["username"] == "grace.codes")
    live.account_id = grace["id"]
    post = await live.get(await live.publish("hello from grace"))
    assert post["status"] == "published"
    assert post["public_url"].startswith("https://www.threads.net/@grace.codes/post/")


async def test_error_bodies_are_summarised_not_echoed(live: Live) -> None:
    await assert_errors_summarised(live, TH, "/threads_publish")
