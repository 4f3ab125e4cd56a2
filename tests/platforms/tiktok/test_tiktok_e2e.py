"""End to end through the public API: a live owner connects a TikTok creator (tokens from the
fake, or the OAuth link flow), publishes videos and photos, and the worker talks to the TikTok
fake over HTTP."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from tests.fakes import tiktok_store as tt
from tests.platforms.live import assert_errors_summarised
from tests.platforms.tiktok.conftest import TIKTOK, Live, connect


def assert_published(post: dict[str, Any], tiktok_post: tt.Post) -> None:
    assert post["status"] == "published", post
    assert post["public_url"] == f"https://www.tiktok.com/@lowtato.fan/video/{tiktok_post.id}"


async def test_video_is_uploaded_and_published(live: Live) -> None:
    post = await live.post("my clip #lowtato", "big.mp4", privacy_level="FOLLOWER_OF_CREATOR")
    (video,) = live.posts()
    assert_published(post, video)
    assert (video.kind, video.title, video.privacy) == (
        "video", "my clip #lowtato", "FOLLOWER_OF_CREATOR",
    )  # fmt: skip
    await live.worker.run_once()
    assert len(live.fakes.state.calls_to(TIKTOK, "POST", "/video/init/")) == 1


async def test_photos_are_published(live: Live) -> None:
    post = await live.post("three dogs", "dog.jpg", "dog.jpg", "dog.jpg", title="Dogs")
    (photo,) = live.posts()
    assert_published(post, photo)
    assert (photo.kind, photo.title, photo.description, len(photo.images)) == (
        "photo", "Dogs", "three dogs", 3,
    )  # fmt: skip


async def test_video_pulled_from_its_url(live: Live) -> None:
    post = await live.post("pulled", "clip.mp4", video_source="PULL_FROM_URL")
    assert_published(post, live.posts()[0])
    assert live.fakes.state.calls_to(TIKTOK, "PUT", "") == []


async def test_privacy_level_the_creator_does_not_allow_fails_listing_the_allowed(
    live: Live,
) -> None:
    tt.data(live.fakes.state).users[live.creator.open_id].privacy_options = (
        "FOLLOWER_OF_CREATOR", "SELF_ONLY",
    )  # fmt: skip
    post = await live.post("for everyone", "clip.mp4", privacy_level="PUBLIC_TO_EVERYONE")
    assert (post["status"], post["error_code"]) == ("failed", "invalid_content")
    assert "one of: FOLLOWER_OF_CREATOR, SELF_ONLY" in post["error_message"]
    assert live.posts() == []


async def test_missing_privacy_level_is_refused_at_creation(live: Live) -> None:
    response = await live.client.post("/api/v1/posts", headers=live.owner.headers, json={"post": {
        "accountId": live.account_id, "content": {"text": "x", "mediaUrls": [live.fakes.media("clip.mp4")]},
    }})  # fmt: skip
    assert response.status_code == 400, response.text
    assert response.json()["error"]["details"][0]["field"] == "options.privacy_level"
    # Only connect's creator info (the levels the message lists); nothing for this post.
    assert "one of: PUBLIC_TO_EVERYONE, " in response.json()["error"]["message"]
    asked = [c["path"] for c in live.fakes.state.calls if "/post/publish/" in c["path"]]
    assert asked == ["/tiktok/v2/post/publish/creator_info/query/"]


async def test_rate_limited_init_is_retried_after_the_window(live: Live) -> None:
    live.fakes.state.inject(TIKTOK, "video.init", "rate_limit")
    post_id = await live.publish("busy")
    post = await live.get(post_id)
    assert (post["publish_state"], post["error_code"]) == ("retrying", "rate_limited")
    assert "retrying in 60 s" in post["error_message"]
    await live.later(30)
    assert (await live.get(post_id))["status"] == "publishing"  # the window is honoured
    await live.later(31)
    assert_published(await live.get(post_id), live.posts()[0])
    assert len(live.posts()) == 1


@pytest.mark.parametrize(
    ("endpoint", "media", "options"),
    [
        ("upload", "clip.mp4", {}),
        ("video.init", "clip.mp4", {"video_source": "PULL_FROM_URL"}),
        ("content.init", "dog.jpg", {}),
    ],
)
async def test_lost_answer_is_reconciled_to_exactly_one_post(
    live: Live, endpoint: str, media: str, options: dict[str, str]
) -> None:
    live.fakes.state.inject(TIKTOK, endpoint, "timeout_after_commit")
    post_id = await live.publish(f"did it post? {endpoint}", [live.fakes.media(media)], **options)
    post = await live.get(post_id)
    assert (post["status"], post["publish_state"]) == ("publishing", "unconfirmed")
    await live.later(5)
    (made,) = live.posts()
    assert_published(await live.get(post_id), made)
    await live.later(600)
    assert len(live.posts()) == 1


async def test_processing_failure_fails_the_post(live: Live) -> None:
    live.fakes.state.inject(TIKTOK, "status", "processing_failed")
    post = await live.post("broken", "clip.mp4")
    assert (post["status"], post["error_code"]) == ("failed", "processing_failed")
    assert "file_format_check_failed" in post["error_message"]


async def test_expired_token_fails_and_disconnects(live: Live) -> None:
    tt.expire(live.fakes.state, live.creator.token)
    post = await live.post("too late", "clip.mp4")
    assert (post["status"], post["error_code"]) == ("failed", "token_expired")
    assert "Reconnect" in post["error_message"]
    (account,) = await live.accounts()
    assert account["is_active"] is False
    assert live.posts() == []


async def test_token_near_expiry_is_refreshed_with_rotation_then_published(live: Live) -> None:
    account_id = await connect(live.client, live.owner.headers, live.creator, expires_in=120)
    assert account_id == live.account_id
    post = await live.post("fresh token", "clip.mp4")
    assert_published(post, live.posts()[0])
    db = tt.data(live.fakes.state)
    assert live.creator.refresh_token not in db.refresh_tokens  # rotated: the old one is spent
    assert len(live.fakes.state.calls_to(TIKTOK, "POST", "/video/init/")) == 1
    assert len(live.fakes.state.calls_to(TIKTOK, "POST", "/oauth/token/")) == 1
    # The next refresh uses the rotated token (stored at once), not the spent one.
    live.frozen.advance(timedelta(seconds=tt.TOKEN_TTL - 60))  # within the refresh margin
    assert (await live.post("again", "clip.mp4"))["status"] == "published"
    assert len(live.fakes.state.calls_to(TIKTOK, "POST", "/oauth/token/")) == 2


async def test_oauth_link_connects_the_creator(live: Live) -> None:
    other = tt.seed_account(live.fakes.state, "grace.films", "Grace Films")
    link = await live.client.post("/api/v1/accounts/connect-link", headers=live.owner.headers,
                                  json={"platform": TIKTOK})  # fmt: skip
    assert link.status_code == 201, link.text
    async with httpx.AsyncClient() as http:  # the fake's consent page auto-approves
        approved = await http.get(link.json()["url"])
    assert approved.status_code == 302
    callback = urlsplit(approved.headers["location"])
    assert callback.path == "/oauth/tiktok/callback"
    done = await live.client.get(f"{callback.path}?{callback.query}")
    assert done.status_code == 200, done.text
    grace = next(a for a in await live.accounts() if a["username"] == "grace.films")
    live.account_id = grace["id"]
    post = await live.post("from the link", "clip.mp4")
    (made,) = live.posts()
    assert made.open_id == other.open_id
    assert post["public_url"] == f"https://www.tiktok.com/@grace.films/video/{made.id}"


async def test_error_bodies_are_summarised_not_echoed(live: Live) -> None:
    await assert_errors_summarised(live, TIKTOK, "/v2/post/publish/creator_info/query/")
