"""End to end through the public API with a live key: connect a Pinterest user (tokens from
the fake, or the OAuth link flow), its boards become subaccounts, the worker pins to the
fake over HTTP."""

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
from tests.fakes.pinterest import Seeded, data, expire, pins, seed_account
from tests.platforms.live import LivePublisher

from lowtato.jobs.worker import Worker
from lowtato.kit.clock import FrozenClock
from lowtato.platforms.pinterest.adapter import Adapter as PinterestAdapter

PIN = "pinterest"


@dataclass(kw_only=True)
class Live(LivePublisher):
    user: Seeded

    def creates(self) -> int:
        return len(self.fakes.state.calls_to(PIN, "POST", "/v5/pins"))

    def only_pin(self) -> dict[str, Any]:
        (pin,) = pins(self.fakes.state)
        return pin


@pytest.fixture
async def live(
    live_app: FastAPI,
    live_worker: Worker,
    make_owner: OwnerFactory,
    fakes: Fakes,
    frozen: FrozenClock,
) -> AsyncIterator[Live]:
    owner = await make_owner(livemode=True)
    user = seed_account(fakes.state)
    async with client_for(live_app) as client:
        response = await client.post("/api/v1/accounts/connect", headers=owner.headers, json={
            "platform": "pinterest", "access_token": user.token, "refresh_token": user.refresh_token,
            "platform_user_id": user.user_id, "platform_username": user.username, "expires_in": 2_592_000,
        })  # fmt: skip
        assert response.status_code == 201, response.text
        yield Live(client=client, owner=owner, account_id=response.json()["id"], user=user,
                   worker=live_worker, fakes=fakes, frozen=frozen)  # fmt: skip


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PinterestAdapter, "poll_delays", (0.0,) * 8)


def assert_published(post: dict[str, Any], live: Live) -> None:
    assert post["status"] == "published", post
    assert post["public_url"] == f"https://www.pinterest.com/pin/{live.only_pin()['id']}/"


async def test_boards_are_subaccounts(live: Live) -> None:
    listed = await live.client.get(
        f"/api/v1/accounts/{live.account_id}/subaccounts", headers=live.owner.headers
    )
    assert listed.status_code == 200, listed.text
    boards = {(s["external_id"], s["name"], s["type"]) for s in listed.json()["subaccounts"]}
    assert boards == {(live.user.boards[0], "Recipes", "pinterest_board"),
                      (live.user.boards[1], "Travel", "pinterest_board")}  # fmt: skip


async def test_a_pin_without_a_board_is_refused_saying_how_to_list_boards(live: Live) -> None:
    response = await live.client.post("/api/v1/posts", headers=live.owner.headers, json={"post": {
        "accountId": live.account_id, "content": {"text": "no board", "mediaUrls": [live.fakes.media("cat.png")]},
    }})  # fmt: skip
    assert response.status_code in (400, 422), response.text
    assert "subaccounts" in response.text and pins(live.fakes.state) == []


async def test_image_pin(live: Live) -> None:
    board = live.user.boards[0]
    post = await live.get(await live.publish("Pasta night", [live.fakes.media("cat.png")],
                                             board_id=board, title="Pasta", alt_text="a plate"))  # fmt: skip
    assert_published(post, live)
    pin = live.only_pin()
    assert (pin["board_id"], pin["description"], pin["title"]) == (board, "Pasta night", "Pasta")
    assert pin["media_source"]["source_type"] == "image_base64" and live.creates() == 1


async def test_multi_image_pin(live: Live) -> None:
    media = [live.fakes.media("cat.png"), live.fakes.media("dog.jpg")]
    post = await live.get(await live.publish("two pets", media, board_id=live.user.boards[1]))
    assert_published(post, live)
    assert len(live.only_pin()["media_source"]["items"]) == 2


async def test_video_pin(live: Live) -> None:
    post = await live.get(
        await live.publish("a clip", [live.fakes.media("clip.mp4")], board_id=live.user.boards[0])
    )
    assert_published(post, live)
    assert live.only_pin()["media_source"]["source_type"] == "video_id"


async def test_lost_answer_is_reconciled_to_one_pin(live: Live) -> None:
    live.fakes.state.inject(PIN, "pins.create", "timeout_after_commit")
    post_id = await live.publish("did it pin?", [live.fakes.media("cat.png")],
                                 board_id=live.user.boards[0])  # fmt: skip
    post = await live.get(post_id)
    assert (post["status"], post["publish_state"]) == ("publishing", "unconfirmed")
    await live.later(5)
    assert_published(await live.get(post_id), live)
    assert live.creates() == 1


async def test_rate_limit_is_retried_after_the_reset(live: Live) -> None:
    live.fakes.state.inject(PIN, "pins.create", "rate_limit")
    post_id = await live.publish(
        "busy", [live.fakes.media("cat.png")], board_id=live.user.boards[0]
    )
    post = await live.get(post_id)
    assert (post["publish_state"], post["error_code"]) == ("retrying", "rate_limited")
    await live.later(31)
    assert_published(await live.get(post_id), live)


async def test_expired_token_fails_and_disconnects(live: Live) -> None:
    expire(live.fakes.state, live.user.token)
    post = await live.get(await live.publish("late", [live.fakes.media("cat.png")],
                                             board_id=live.user.boards[0]))  # fmt: skip
    assert (post["status"], post["error_code"]) == ("failed", "token_expired")
    accounts = (await live.client.get("/api/v1/accounts", headers=live.owner.headers)).json()
    assert accounts["accounts"][0]["is_active"] is False


async def test_oauth_link_connects_and_pins(live: Live, fakes: Fakes) -> None:
    other = seed_account(fakes.state, "linked_user", boards=("Garden",))
    link = await live.client.post("/api/v1/accounts/connect-link", headers=live.owner.headers,
                                  json={"platform": "pinterest"})  # fmt: skip
    assert link.status_code == 201, link.text
    async with httpx.AsyncClient() as browser:
        approved = await browser.get(link.json()["url"])
    assert approved.status_code == 302
    callback = urlsplit(approved.headers["location"])
    done = await live.client.get(f"{callback.path}?{callback.query}")
    assert done.status_code == 200, done.text
    accounts = (await live.client.get("/api/v1/accounts", headers=live.owner.headers)).json()
    linked = next(a for a in accounts["accounts"] if a["username"] == "linked_user")
    live.account_id = linked["id"]
    post = await live.get(await live.publish("from the link", [live.fakes.media("dog.jpg")],
                                             board_id=other.boards[0]))  # fmt: skip
    assert_published(post, live)
    assert live.only_pin()["board_id"] == other.boards[0]


async def test_error_bodies_are_summarised_not_echoed(live: Live) -> None:
    """As ``assert_errors_summarised`` (a pin needs media and a board, so it is inlined)."""
    state = live.fakes.state
    for mode in ("echo_token", "html_500"):
        state.inject_raw(PIN, "/v5/pins", mode)
        post = await live.get(await live.publish(f"garbage answer {mode}", [live.fakes.media("cat.png")],
                                                 board_id=live.user.boards[0]))  # fmt: skip
        message = str(post["error_message"] or "")
        assert post["status"] in ("failed", "publishing"), post
        assert message and len(message) <= 400, message
        assert "<" not in message and "garbage answer" not in message
        assert not any(secret and secret in message for secret in state.echoed), message
    assert len(state.echoed[0]) >= 8


async def test_token_near_expiry_is_refreshed_with_rotation_then_pins(live: Live) -> None:
    response = await live.client.post("/api/v1/accounts/connect", headers=live.owner.headers, json={
        "platform": "pinterest", "access_token": live.user.token, "refresh_token": live.user.refresh_token,
        "platform_user_id": live.user.user_id, "expires_in": 120,
    })  # fmt: skip
    assert response.status_code == 201, response.text
    post = await live.get(await live.publish("fresh token", [live.fakes.media("cat.png")],
                                             board_id=live.user.boards[0]))  # fmt: skip
    assert_published(post, live)
    assert len(live.fakes.state.calls_to(PIN, "POST", "/v5/oauth/token")) == 1
    assert data(live.fakes.state).refresh[live.user.refresh_token]["spent"] is True
