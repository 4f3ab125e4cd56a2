"""End to end through the public API: a live owner connects a Facebook user (tokens from the
fake), their Page becomes a subaccount, posts target it, and the worker publishes to the Graph
fake over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from tests.conftest import OwnerFactory, client_for
from tests.fakes.facebook_graph import LONG_LIVED, Obj, objects, seed_account
from tests.fakes.fixtures import Fakes
from tests.platforms.facebook.conftest import PAGE_ID, USER_ID
from tests.platforms.live import LivePublisher, assert_errors_summarised

from lowtato.accounts.models import SocialAccount
from lowtato.accounts.service import add_subaccount
from lowtato.jobs.worker import Worker
from lowtato.kit.clock import FrozenClock
from lowtato.kit.principal import system_principal
from lowtato.platforms.base import Credentials


@dataclass(kw_only=True)
class Live(LivePublisher):
    page_sub_id: str

    async def publish(  # type: ignore[override]
        self, text: str, media: list[str] | None = None, *, page: bool = True, **options: Any
    ) -> str:
        """Publish to the connected Page unless ``page=False``."""
        subaccount = self.page_sub_id if page else None
        return await super().publish(text, media, subaccount=subaccount, **options)

    def feed_creates(self) -> int:
        return len(self.fakes.state.calls_to("facebook", "POST", f"/{PAGE_ID}/feed"))

    def posts(self) -> list[Obj]:
        return objects(self.fakes.state, "post")


@pytest.fixture
async def live(
    live_app: FastAPI,
    live_worker: Worker,
    make_owner: OwnerFactory,
    fakes: Fakes,
    frozen: FrozenClock,
) -> AsyncIterator[Live]:
    owner = await make_owner(livemode=True)
    seeded = seed_account(fakes.state)
    services = live_app.state.services
    async with client_for(live_app) as client:
        response = await client.post("/api/v1/accounts/connect", headers=owner.headers, json={
            "platform": "facebook", "access_token": seeded.user_token, "expires_in": LONG_LIVED,
            "platform_user_id": USER_ID, "platform_username": "Ada Lovelace",
        })  # fmt: skip
        assert response.status_code == 201, response.text
        account_id = str(response.json()["id"])
        # Store the Pages the way connecting does (whether or not this build's connect already
        # did): the adapter's own list_subaccounts against the fake; the same row is updated.
        adapter, ctx = services.adapters.get("facebook", sandbox=False)
        pages = await adapter.list_subaccounts(ctx, Credentials(USER_ID, "Ada", seeded.user_token))
        async with live_app.state.db.transaction() as session:
            account = await session.get(SocialAccount, account_id)
            for page in pages:
                await add_subaccount(session, system_principal(owner.user_id, True), services.keyring,
                                     account, external_id=page.external_id, name=page.name,
                                     type=page.type, access_token=page.access_token)  # fmt: skip
        listed = await client.get(
            f"/api/v1/accounts/{account_id}/subaccounts", headers=owner.headers
        )
        (sub,) = listed.json()["subaccounts"]
        assert (sub["external_id"], sub["type"]) == (PAGE_ID, "facebook_page")
        yield Live(client=client, owner=owner, account_id=account_id, page_sub_id=sub["id"],
                   worker=live_worker, fakes=fakes, frozen=frozen)  # fmt: skip


async def test_text_post_is_published_with_its_facebook_url(live: Live) -> None:
    post_id = await live.publish("Open on Sunday")
    post = await live.get(post_id)
    (fb_post,) = live.posts()
    assert post["status"] == "published" and fb_post.message == "Open on Sunday"
    assert (
        post["public_url"] == f"https://www.facebook.com/{PAGE_ID}/posts/{fb_post.id.split('_')[1]}"
    )
    await live.worker.run_once()
    assert live.feed_creates() == 1


async def test_photos_and_video_are_published(live: Live) -> None:
    one = await live.publish("One photo", [live.fakes.media("cat.png")])
    two = await live.publish(
        "Two photos", [live.fakes.media("cat.png"), live.fakes.media("dog.jpg")]
    )
    live.fakes.state.inject("facebook", "video_status", "slow_processing", count=2)
    video = await live.publish("A video", [live.fakes.media("clip.mp4")])
    for post_id in (one, two):
        post = await live.get(post_id)
        assert post["status"] == "published", post
        assert str(post["public_url"]).startswith(f"https://www.facebook.com/{PAGE_ID}/posts/")
    (fb_video,) = objects(live.fakes.state, "video")
    post = await live.get(video)
    assert post["status"] == "published" and fb_video.state == "ready"
    assert post["public_url"] == f"https://www.facebook.com/{PAGE_ID}/videos/{fb_video.id}/"
    assert [len(p.photos) for p in live.posts()] == [1, 2]


async def test_rate_limit_is_retried_at_the_reset_then_published(live: Live) -> None:
    live.fakes.state.inject("facebook", "feed", "rate_limit")
    post_id = await live.publish("Throttled first")
    post = await live.get(post_id)
    assert (post["status"], post["publish_state"], post["error_code"]) == (
        "publishing",
        "retrying",
        "rate_limited",
    )
    assert "retrying in 120 s" in str(post["error_message"])
    await live.later(60)
    assert (await live.get(post_id))["status"] == "publishing"  # the reset is honoured
    await live.later(61)
    assert (await live.get(post_id))["status"] == "published"
    assert len(live.posts()) == 1


async def test_failed_photo_upload_is_retried_then_published(live: Live) -> None:
    live.fakes.state.inject("facebook", "photos", "server_error")
    post_id = await live.publish(
        "Two photos, flaky", [live.fakes.media("cat.png"), live.fakes.media("dog.jpg")]
    )
    post = await live.get(post_id)
    assert post["publish_state"] == "retrying" and post["error_code"] == "platform_temporary_error"
    await live.later(31)
    assert (await live.get(post_id))["status"] == "published"
    assert live.feed_creates() == 1


@pytest.mark.parametrize(
    ("mode", "code", "words"),
    [("policy", "policy", "policy reasons"), ("duplicate", "duplicate", "change the text")],
)
async def test_refusals_fail_with_the_reason(live: Live, mode: str, code: str, words: str) -> None:
    live.fakes.state.inject("facebook", "feed", mode)
    post = await live.get(await live.publish(f"Refused: {mode}"))
    assert (post["status"], post["error_code"]) == ("failed", code)
    assert words in str(post["error_message"])


async def test_publishing_the_same_text_twice_fails_the_second_as_duplicate(live: Live) -> None:
    first = await live.get(await live.publish("Daily special"))
    second = await live.get(await live.publish("Daily special"))
    assert first["status"] == "published"
    assert (second["status"], second["error_code"]) == ("failed", "duplicate")
    assert len(live.posts()) == 1


async def test_expired_token_fails_the_post_and_deactivates_the_account(live: Live) -> None:
    live.fakes.state.inject("facebook", "feed", "auth_expired")
    post = await live.get(await live.publish("Token gone"))
    assert (post["status"], post["error_code"]) == ("failed", "token_expired")
    assert "Reconnect" in str(post["error_message"])
    accounts = (await live.client.get("/api/v1/accounts", headers=live.owner.headers)).json()[
        "accounts"
    ]
    assert (
        accounts[0]["is_active"] is False and "token expired" in accounts[0]["disconnected_reason"]
    )


async def test_lost_answer_is_reconciled_and_posted_once(live: Live) -> None:
    live.fakes.state.inject("facebook", "feed", "timeout_after_commit")
    post_id = await live.publish("Answer lost")
    post = await live.get(post_id)
    assert (post["status"], post["publish_state"]) == ("publishing", "unconfirmed")
    await live.later(5)
    post = await live.get(post_id)
    (fb_post,) = live.posts()
    assert post["status"] == "published" and fb_post.message == "Answer lost"
    assert str(post["public_url"]).endswith(fb_post.id.split("_")[1])
    assert live.feed_creates() == 1


async def test_post_without_a_page_fails_saying_which_subaccount_to_pass(live: Live) -> None:
    post = await live.get(await live.publish("No page", page=False))
    assert (post["status"], post["error_code"]) == ("failed", "subaccount_required")
    assert "subaccountId" in str(post["error_message"])
    assert live.fakes.state.calls_to("facebook", "POST", "/feed") == []


async def test_video_processing_failure_fails_the_post(live: Live) -> None:
    live.fakes.state.inject("facebook", "video_status", "processing_failed")
    post = await live.get(await live.publish("Bad video", [live.fakes.media("clip.mp4")]))
    assert (post["status"], post["error_code"]) == ("failed", "processing_failed")
    assert "could not process the video" in str(post["error_message"])


async def test_error_bodies_are_summarised_not_echoed(live: Live) -> None:
    await assert_errors_summarised(live, "facebook", f"/{PAGE_ID}/feed")
