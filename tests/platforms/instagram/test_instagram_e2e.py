"""End to end through the public API: a live owner connects an Instagram account (a Facebook
user token from the fake), posts, and the worker publishes to the Graph fake over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from tests.conftest import OwnerFactory, client_for
from tests.fakes.fixtures import Fakes
from tests.fakes.instagram import LONG_LIVED, data, seed_account
from tests.platforms.live import LivePublisher

from lowtato.jobs.worker import Worker
from lowtato.kit.clock import FrozenClock


@pytest.fixture
async def live(
    live_app: FastAPI,
    live_worker: Worker,
    make_owner: OwnerFactory,
    fakes: Fakes,
    frozen: FrozenClock,
) -> AsyncIterator[LivePublisher]:
    owner = await make_owner(livemode=True)
    seeded = seed_account(fakes.state)
    async with client_for(live_app) as client:
        response = await client.post("/api/v1/accounts/connect", headers=owner.headers, json={
            "platform": "instagram", "access_token": seeded.token, "expires_in": LONG_LIVED,
            "platform_user_id": "ada_bakes",
        })  # fmt: skip
        assert response.status_code == 201, response.text
        assert response.json()["username"] == "ada_bakes"
        yield LivePublisher(client=client, owner=owner, account_id=str(response.json()["id"]),
                            worker=live_worker, fakes=fakes, frozen=frozen)  # fmt: skip


def _published(live: LivePublisher) -> int:
    return len(data(live.fakes.state).media)


async def test_every_post_type_is_published(live: LivePublisher) -> None:
    image = await live.publish("One loaf", [live.fakes.media("dog.jpg")])
    carousel = await live.publish(
        "Two loaves", [live.fakes.media("dog.jpg"), live.fakes.media("cat.png")]
    )
    reel = await live.publish("Baking", [live.fakes.media("clip.mp4")])
    story = await live.publish("", [live.fakes.media("dog.jpg")], post_type="story")
    for post_id in (image, carousel, reel, story):
        post = await live.get(post_id)
        assert post["status"] == "published", post
        assert str(post["public_url"]).startswith("https://www.instagram.com/")
    products = sorted(m.product for m in data(live.fakes.state).media.values())
    assert products == ["FEED", "FEED", "REELS", "STORY"]


async def test_lost_answer_is_reconciled_and_posted_once(live: LivePublisher) -> None:
    live.fakes.state.inject("instagram", "media_publish", "timeout_after_commit")
    post_id = await live.publish("Answer lost", [live.fakes.media("dog.jpg")])
    post = await live.get(post_id)
    assert (post["status"], post["publish_state"]) == ("publishing", "unconfirmed")
    await live.later(5)
    post = await live.get(post_id)
    (media,) = data(live.fakes.state).media.values()
    assert post["status"] == "published" and post["platform_post_id"] == media.id
    assert _published(live) == 1


async def test_rate_limit_is_retried_after_the_reset(live: LivePublisher) -> None:
    live.fakes.state.inject("instagram", "media_publish", "rate_limit")
    post_id = await live.publish("Throttled", [live.fakes.media("dog.jpg")])
    post = await live.get(post_id)
    assert (post["publish_state"], post["error_code"]) == ("retrying", "rate_limited")
    await live.later(60)
    assert (await live.get(post_id))["status"] == "publishing"
    await live.later(300)
    assert (await live.get(post_id))["status"] == "published"
    assert _published(live) == 1


async def test_expired_token_fails_the_post_and_deactivates_the_account(
    live: LivePublisher,
) -> None:
    live.fakes.state.inject("instagram", "media", "auth_expired")
    post = await live.get(await live.publish("Token gone", [live.fakes.media("dog.jpg")]))
    assert (post["status"], post["error_code"]) == ("failed", "token_expired")
    accounts = (await live.client.get("/api/v1/accounts", headers=live.owner.headers)).json()
    assert accounts["accounts"][0]["is_active"] is False


async def test_processing_failure_fails_the_post(live: LivePublisher) -> None:
    live.fakes.state.inject("instagram", "status", "processing_failed")
    post = await live.get(await live.publish("Bad video", [live.fakes.media("clip.mp4")]))
    assert (post["status"], post["error_code"]) == ("failed", "processing_failed")
    assert _published(live) == 0
