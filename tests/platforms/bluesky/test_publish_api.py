"""End to end through the public API: connect a Bluesky account with an app password, schedule
posts, run the worker against the contract fake PDS, and see each outcome as an agent does."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from tests.conftest import Owner, OwnerFactory, client_for
from tests.fakes import bluesky as fake
from tests.fakes.fixtures import Fakes

from lowtato.jobs.worker import Worker
from lowtato.kit.clock import FrozenClock, iso

HANDLE = "carol.test"
PUBLIC_URL = re.compile(r"^https://bsky\.app/profile/carol\.test/post/(?P<rkey>[2-7a-z]{13})$")


@dataclass
class Api:
    client: httpx.AsyncClient
    owner: Owner
    account_id: str
    account: fake.Account
    fakes: Fakes
    worker: Worker
    clock: FrozenClock

    async def due(self, text: str, media: list[str] | None = None, **options: Any) -> str:
        """A post scheduled 30 s from now, with the clock moved to its time."""
        body = {
            "post": {
                "accountId": self.account_id,
                "content": {"text": text, "mediaUrls": [self.fakes.media(m) for m in media or []]},
                "options": options,
            },
            "scheduledTime": iso(self.clock.now() + timedelta(seconds=30)),
        }
        response = await self.client.post("/api/v1/posts", headers=self.owner.headers, json=body)
        assert response.status_code == 201, response.text
        self.clock.advance(timedelta(seconds=30))
        return str(response.json()["id"])

    async def post(self, post_id: str) -> dict[str, Any]:
        response = await self.client.get(f"/api/v1/posts/{post_id}", headers=self.owner.headers)
        return dict(response.json())

    async def account_row(self) -> dict[str, Any]:
        response = await self.client.get("/api/v1/accounts", headers=self.owner.headers)
        return dict(response.json()["accounts"][0])

    def records(self) -> list[dict[str, Any]]:
        return fake.records(self.fakes.state, self.account.did)

    def calls(self, nsid: str) -> int:
        state = self.fakes.state
        return len(state.calls_to("bluesky", "POST", nsid) + state.calls_to("bluesky", "GET", nsid))


async def _connect(client: httpx.AsyncClient, owner: Owner, password: str) -> str:
    response = await client.post(
        "/api/v1/accounts/connect",
        headers=owner.headers,
        json={"platform": "bluesky", "platform_username": HANDLE, "access_token": password},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


@pytest.fixture
async def api(
    live_app: FastAPI,
    live_worker: Worker,
    make_owner: OwnerFactory,
    fakes: Fakes,
    frozen: FrozenClock,
) -> AsyncIterator[Api]:
    owner = await make_owner(livemode=True)  # posts go to the real adapter, here the fake
    account = fake.seed_account(fakes.state, HANDLE)
    async with client_for(live_app) as client:
        account_id = await _connect(client, owner, account.password)
        yield Api(client, owner, account_id, account, fakes, live_worker, frozen)


async def test_text_images_and_video_publish(api: Api) -> None:
    text_id = await api.due("Hello https://example.com #lowtato", langs=["en"])
    await api.worker.run_once()
    post = await api.post(text_id)
    assert post["status"] == "published", post
    match = PUBLIC_URL.match(post["public_url"])
    assert match is not None, post["public_url"]
    [record] = api.records()
    assert record["uri"].endswith(match["rkey"]) and post["platform_post_id"] == record["uri"]
    assert [f["features"][0]["$type"] for f in record["value"]["facets"]] == [
        "app.bsky.richtext.facet#link",
        "app.bsky.richtext.facet#tag",
    ]

    images_id = await api.due("two pets", ["cat.png", "dog.jpg"], alt_texts=["cat", "dog"])
    await api.worker.run_once()
    assert PUBLIC_URL.match((await api.post(images_id))["public_url"])
    embed = api.records()[-1]["value"]["embed"]
    assert [i["alt"] for i in embed["images"]] == ["cat", "dog"]

    video_id = await api.due("a clip", ["clip.mp4"])
    await api.worker.run_once()
    assert (await api.post(video_id))["status"] == "published"
    assert api.records()[-1]["value"]["embed"]["$type"] == "app.bsky.embed.video"
    assert api.calls("createSession") == 1  # one login, then the session is reused


async def test_five_images_are_refused_when_the_post_is_created(api: Api) -> None:
    body = {
        "post": {
            "accountId": api.account_id,
            "content": {"text": "too many", "mediaUrls": [api.fakes.media("cat.png")] * 5},
        }
    }
    response = await api.client.post("/api/v1/posts", headers=api.owner.headers, json=body)
    assert response.status_code == 400
    assert "4" in response.text and api.calls("uploadBlob") == 0


async def test_rate_limited_then_published_after_the_reset(api: Api) -> None:
    api.fakes.state.inject("bluesky", "createRecord", "rate_limit")
    post_id = await api.due("patience")
    await api.worker.run_once()
    post = await api.post(post_id)
    assert (post["status"], post["publish_state"], post["error_code"]) == (
        "publishing",
        "retrying",
        "rate_limited",
    )
    assert f"retrying in {fake.RATE_LIMIT_RESET} s" in post["error_message"]
    api.clock.advance(timedelta(seconds=fake.RATE_LIMIT_RESET + 1))
    await api.worker.run_once()
    post = await api.post(post_id)
    assert post["status"] == "published" and PUBLIC_URL.match(post["public_url"])
    assert len(api.records()) == 1


async def test_upload_failure_is_retried_then_published(api: Api) -> None:
    api.fakes.state.inject("bluesky", "uploadBlob", "server_error")
    post_id = await api.due("retry me", ["cat.png"])
    await api.worker.run_once()
    post = await api.post(post_id)
    assert post["publish_state"] == "retrying" and post["error_code"] == "platform_temporary_error"
    api.clock.advance(timedelta(seconds=31))
    await api.worker.run_once()
    assert (await api.post(post_id))["status"] == "published"
    assert len(api.records()) == 1


async def test_expired_session_is_refreshed_without_a_new_login(api: Api) -> None:
    first = await api.due("first")
    await api.worker.run_once()
    fake.expire_sessions(api.fakes.state, api.account.did)
    second = await api.due("second")
    await api.worker.run_once()
    assert (await api.post(first))["status"] == (await api.post(second))["status"] == "published"
    assert (api.calls("createSession"), api.calls("refreshSession")) == (1, 1)
    assert [r["value"]["text"] for r in api.records()] == ["first", "second"]


async def test_connect_checks_the_app_password(api: Api) -> None:
    response = await api.client.post(
        "/api/v1/accounts/connect",
        headers=api.owner.headers,
        json={"platform": "bluesky", "platform_username": HANDLE, "access_token": "wrong-pass"},
    )
    # Connecting a live account asks the PDS (whoami = createSession) before storing anything.
    assert response.status_code == 400, response.text
    assert "Create a new app password" in response.text
    assert (await api.account_row())["is_active"] is True  # the good connection is untouched


async def test_app_password_deleted_after_connecting_fails_and_disconnects(api: Api) -> None:
    fake.revoke_app_password(api.fakes.state, api.account.did)
    post_id = await api.due("nope")
    await api.worker.run_once()
    post = await api.post(post_id)
    assert (post["status"], post["error_code"]) == ("failed", "token_expired")
    assert "Create a new app password" in post["error_message"]
    account = await api.account_row()
    assert account["is_active"] is False and "token expired" in account["disconnected_reason"]
    assert api.records() == []


async def test_app_password_revoked_mid_flow(api: Api) -> None:
    api.fakes.state.inject("bluesky", "createRecord", "auth_revoked")
    post_id = await api.due("revoked")
    await api.worker.run_once()
    post = await api.post(post_id)
    assert (post["status"], post["error_code"]) == ("failed", "token_expired")
    assert "app password" in post["error_message"]
    assert (await api.account_row())["is_active"] is False
    assert api.records() == []


async def test_refused_content_fails_with_the_reason(api: Api) -> None:
    api.fakes.state.inject("bluesky", "createRecord", "policy")
    post_id = await api.due("refused")
    await api.worker.run_once()
    post = await api.post(post_id)
    assert (post["status"], post["error_code"]) == ("failed", "invalid_request")
    assert "refused by the PDS" in post["error_message"]


async def test_timeout_after_commit_is_reconciled_not_resent(api: Api) -> None:
    api.fakes.state.inject("bluesky", "createRecord", "timeout_after_commit")
    post_id = await api.due("sent once", ["cat.png"], alt_texts=["cat"])
    await api.worker.run_once()
    post = await api.post(post_id)
    assert (post["status"], post["publish_state"]) == ("publishing", "unconfirmed")
    assert "not be sent twice" in post["error_message"]
    api.clock.advance(timedelta(seconds=5))
    await api.worker.run_once()
    post = await api.post(post_id)
    assert post["status"] == "published" and PUBLIC_URL.match(post["public_url"])
    [record] = api.records()
    assert post["platform_post_id"] == record["uri"]
    assert api.calls("createRecord") == 1 and api.calls("getRecord") == 1


async def test_server_error_at_create_is_checked_then_published_again(api: Api) -> None:
    api.fakes.state.inject("bluesky", "createRecord", "server_error")
    post_id = await api.due("lost")
    await api.worker.run_once()
    assert (await api.post(post_id))["publish_state"] == "unconfirmed"
    for _ in range(8):
        api.clock.advance(timedelta(seconds=120))
        await api.worker.run_once()
    post = await api.post(post_id)
    assert (post["status"], post["error_code"]) == ("published", None)
    assert api.calls("createRecord") == 2 and len(api.records()) == 1


async def test_error_bodies_are_summarised_not_echoed(api: Api) -> None:
    """createRecord answered with a JSON error quoting the session token and the record, then
    with a huge HTML page: the post's error_message stays short, with no HTML, token or
    echoed request."""
    state = api.fakes.state
    for mode in ("echo_token", "html_500"):
        state.inject_raw("bluesky", "createRecord", mode)
        post_id = await api.due(f"garbage answer {mode}")
        await api.worker.run_once()
        post = await api.post(post_id)
        message = str(post["error_message"] or "")
        assert post["status"] in ("failed", "publishing"), post
        assert message and len(message) <= 400, (len(message), message)
        assert "<" not in message and "alert" not in message and "garbage answer" not in message
        assert not any(secret and secret in message for secret in state.echoed), message
    assert len(state.echoed[0]) >= 8
