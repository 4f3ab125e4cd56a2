"""End to end through the public API: a live owner connects a LinkedIn account (tokens from the
fake, or the OAuth link flow), publishes, and the worker talks to the LinkedIn fake over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from tests.conftest import OwnerFactory, client_for
from tests.fakes.fixtures import Fakes
from tests.fakes.linkedin_store import Post, Seeded, expire, live_posts, seed_account
from tests.platforms.linkedin.conftest import ORG_ID
from tests.platforms.live import LivePublisher, assert_errors_summarised

from lowtato.jobs.worker import Worker
from lowtato.kit.clock import FrozenClock

LI = "linkedin"


@dataclass(kw_only=True)
class Live(LivePublisher):
    member: Seeded

    def creates(self) -> int:
        return len(self.fakes.state.calls_to(LI, "POST", "/rest/posts"))

    def only_post(self) -> Post:
        (post,) = live_posts(self.fakes.state)
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
    member = seed_account(fakes.state, orgs={ORG_ID: ("Acme Corp", "ADMINISTRATOR")})
    async with client_for(live_app) as client:
        response = await client.post("/api/v1/accounts/connect", headers=owner.headers, json={
            "platform": "linkedin", "access_token": member.token, "refresh_token": member.refresh_token,
            "platform_user_id": member.sub, "platform_username": member.name, "expires_in": 5_184_000,
        })  # fmt: skip
        assert response.status_code == 201, response.text
        yield Live(client=client, owner=owner, account_id=response.json()["id"], member=member,
                   worker=live_worker, fakes=fakes, frozen=frozen)  # fmt: skip


def assert_published(post: dict[str, Any], live: Live) -> None:
    assert post["status"] == "published", post
    urn = live.only_post().urn
    assert post["public_url"] == f"https://www.linkedin.com/feed/update/{urn}/"


async def test_text_post(live: Live) -> None:
    text = "Lowtato on LinkedIn: scheduling (for agents) #automation — 100% *fun*"
    post = await live.get(await live.publish(text))
    assert_published(post, live)
    assert live.only_post().text == text and live.creates() == 1


async def test_images_and_first_comment(live: Live) -> None:
    media = [live.fakes.media("cat.png"), live.fakes.media("dog.jpg")]
    post = await live.get(await live.publish("two pets", media, first_comment="Which one? (vote)"))
    assert_published(post, live)
    assert len(live.only_post().body["content"]["multiImage"]["images"]) == 2
    assert live.only_post().comment_texts == ["Which one? (vote)"]


async def test_video(live: Live) -> None:
    post = await live.get(await live.publish("a clip", [live.fakes.media("clip.mp4")]))
    assert_published(post, live)
    assert live.only_post().body["content"]["media"]["id"].startswith("urn:li:video:")


async def test_failed_upload_is_retried_then_published(live: Live) -> None:
    live.fakes.state.inject(LI, "images.upload", "server_error")
    post_id = await live.publish("retry me", [live.fakes.media("cat.png")])
    post = await live.get(post_id)
    assert (post["status"], post["publish_state"]) == ("publishing", "retrying")
    assert "temporary failure" in post["error_message"] and live.creates() == 0
    await live.later(60)
    assert_published(await live.get(post_id), live)
    assert live.creates() == 1


async def test_rate_limited_create_waits_a_minute(live: Live) -> None:
    live.fakes.state.inject(LI, "posts.create", "rate_limit")
    post_id = await live.publish("busy day")
    post = await live.get(post_id)
    assert (post["publish_state"], post["error_code"]) == ("retrying", "rate_limited")
    assert "retrying in 60 s" in post["error_message"]
    await live.later(61)
    assert_published(await live.get(post_id), live)


async def test_duplicate_fails_with_linkedins_reason(live: Live) -> None:
    await live.publish("same text")
    post = await live.get(await live.publish("same text"))
    assert (post["status"], post["error_code"]) == ("failed", "duplicate")
    assert "duplicate" in post["error_message"] and "Change the text" in post["error_message"]


async def test_expired_token_fails_and_disconnects(live: Live) -> None:
    expire(live.fakes.state, live.member.token)
    post = await live.get(await live.publish("too late"))
    assert (post["status"], post["error_code"]) == ("failed", "token_expired")
    assert "Reconnect" in post["error_message"]
    accounts = (await live.client.get("/api/v1/accounts", headers=live.owner.headers)).json()[
        "accounts"
    ]
    assert accounts[0]["is_active"] is False


async def test_processing_failure_fails_the_post(live: Live) -> None:
    live.fakes.state.inject(LI, "videos.get", "processing_failed")
    post = await live.get(await live.publish("broken clip", [live.fakes.media("clip.mp4")]))
    assert (post["status"], post["error_code"]) == ("failed", "invalid_media")
    assert live.creates() == 0


async def test_lost_answer_is_reconciled_not_resent(live: Live) -> None:
    live.fakes.state.inject(LI, "posts.create", "timeout_after_commit")
    post_id = await live.publish("did it post? (yes) #reconcile")
    post = await live.get(post_id)
    assert (post["status"], post["publish_state"]) == ("publishing", "unconfirmed")
    await live.later(5)
    assert_published(await live.get(post_id), live)
    assert live.creates() == 1


async def test_oauth_link_connects_member_and_pages_then_posts_as_a_page(
    live: Live, http: httpx.AsyncClient
) -> None:
    seed_account(
        live.fakes.state,
        "pageAdmin",
        "Grace Hopper",
        orgs={"31337": ("Hopper Labs", "ADMINISTRATOR")},
    )
    link = await live.client.post("/api/v1/accounts/connect-link", headers=live.owner.headers,
                                  json={"platform": "linkedin"})  # fmt: skip
    assert link.status_code == 201, link.text
    approved = await http.get(link.json()["url"])  # the fake's consent page auto-approves
    assert approved.status_code == 302
    callback = urlsplit(approved.headers["location"])
    assert callback.path == "/oauth/linkedin/callback"
    done = await live.client.get(f"{callback.path}?{callback.query}")
    assert done.status_code == 200, done.text  # no redirect_uri given: a "connected" page
    accounts = (await live.client.get("/api/v1/accounts", headers=live.owner.headers)).json()[
        "accounts"
    ]
    grace = next(a for a in accounts if a["username"] == "Grace Hopper")
    subs = (
        await live.client.get(
            f"/api/v1/accounts/{grace['id']}/subaccounts", headers=live.owner.headers
        )
    ).json()
    [page] = subs["subaccounts"]
    assert (page["external_id"], page["name"], page["type"]) == (
        "urn:li:organization:31337",
        "Hopper Labs",
        "linkedin_organization",
    )
    live.account_id = grace["id"]
    post = await live.get(
        await live.publish(
            "news from the lab", [live.fakes.media("dog.jpg")], subaccount=page["id"]
        )
    )
    assert_published(post, live)
    assert live.only_post().author == "urn:li:organization:31337"


async def test_token_near_expiry_still_publishes(live: Live) -> None:
    # Reconnected with a token expiring in 2 minutes: the flow asks the adapter to refresh first.
    response = await live.client.post("/api/v1/accounts/connect", headers=live.owner.headers, json={
        "platform": "linkedin", "access_token": live.member.token, "refresh_token": live.member.refresh_token,
        "platform_user_id": live.member.sub, "expires_in": 120,
    })  # fmt: skip
    assert response.status_code == 201
    assert_published(await live.get(await live.publish("still fresh")), live)


async def test_error_bodies_are_summarised_not_echoed(live: Live) -> None:
    await assert_errors_summarised(live, LI, "/rest/posts")
