"""Publishing through the LinkedIn adapter against the contract fake, and every failure mode."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest
from tests.fakes.fixtures import Fakes
from tests.fakes.linkedin_store import data, expire, live_posts, revoke
from tests.fakes.media_files import FILES
from tests.platforms.linkedin.conftest import FAST, ORG_ID

from lowtato.kit import clock
from lowtato.platforms.base import AdapterContext, Credentials, Media, PublishRequest
from lowtato.platforms.errors import (
    AuthExpired,
    RateLimited,
    Rejected,
    Retryable,
    UnknownOutcome,
)
from lowtato.platforms.linkedin.adapter import Adapter
from lowtato.platforms.linkedin.client import LINKEDIN_VERSION

LI = "linkedin"


def request(
    text: str = "Hello LinkedIn", media: list[str] | None = None, **options: Any
) -> PublishRequest:
    return PublishRequest("post_01", text, [Media(url=u) for u in media or []], options)


def creates(fakes: Fakes) -> list[dict[str, Any]]:
    return fakes.state.calls_to(LI, "POST", "/rest/posts")


async def test_text_post_as_the_member(
    fakes: Fakes, adapter: Adapter, ctx: AdapterContext, creds: Credentials
) -> None:
    text = "Shipping v2 (beta) today! #launch — thanks @everyone, 50% off *this* week_end ~ <3"
    published = await adapter.publish(ctx, creds, request(text))
    urn = published.platform_post_id
    assert urn.startswith("urn:li:share:")
    assert published.public_url == f"https://www.linkedin.com/feed/update/{urn}/"
    [post] = live_posts(fakes.state)
    assert (post.urn, post.author, post.text) == (
        urn,
        f"urn:li:person:{creds.platform_user_id}",
        text,
    )
    assert post.body["visibility"] == "PUBLIC" and "content" not in post.body
    [call] = creates(fakes)
    assert call["headers"]["linkedin-version"] == LINKEDIN_VERSION
    assert call["headers"]["x-restli-protocol-version"] == "2.0.0"


async def test_connections_visibility_option(
    fakes: Fakes, adapter: Adapter, ctx: AdapterContext, creds: Credentials
) -> None:
    await adapter.publish(ctx, creds, request("for my network", visibility="CONNECTIONS"))
    assert live_posts(fakes.state)[0].body["visibility"] == "CONNECTIONS"


async def test_single_image(
    fakes: Fakes, adapter: Adapter, ctx: AdapterContext, creds: Credentials
) -> None:
    await adapter.publish(ctx, creds, request("a cat", [fakes.media("cat.png")]))
    [post] = live_posts(fakes.state)
    image = post.body["content"]["media"]["id"]
    assert (
        image.startswith("urn:li:image:") and data(fakes.state).media[image].status == "AVAILABLE"
    )
    [upload] = fakes.state.calls_to(LI, "PUT", "/upload/img/1")
    assert upload["body"]["bytes"] == len(FILES["cat.png"][1])


async def test_multi_image(
    fakes: Fakes, adapter: Adapter, ctx: AdapterContext, creds: Credentials
) -> None:
    media = [fakes.media("cat.png"), fakes.media("dog.jpg"), fakes.media("cat.png")]
    await adapter.publish(ctx, creds, request("three", media))
    images = live_posts(fakes.state)[0].body["content"]["multiImage"]["images"]
    assert len(images) == 3 and len({i["id"] for i in images}) == 3


async def test_video_in_parts_with_slow_processing(
    fakes: Fakes, adapter: Adapter, ctx: AdapterContext, creds: Credentials
) -> None:
    fakes.state.inject(LI, "videos.get", "slow_processing", count=3)
    await adapter.publish(ctx, creds, request("watch", [fakes.media("big.mp4")]))
    video = live_posts(fakes.state)[0].body["content"]["media"]["id"]
    assert video.startswith("urn:li:video:")
    parts = [c["body"]["bytes"] for c in fakes.state.calls if c["method"] == "PUT"]
    assert parts == [4 * 1024 * 1024, len(FILES["big.mp4"][1]) - 4 * 1024 * 1024]
    [finalize] = [c for c in fakes.state.calls if "finalizeUploadRequest" in (c["body"] or {})]
    assert len(finalize["body"]["finalizeUploadRequest"]["uploadedPartIds"]) == 2
    assert len(fakes.state.calls_to(LI, "GET", video)) == 1 + 3 + 1  # PROCESSING x4, AVAILABLE


async def test_video_processing_failure_is_rejected_before_posting(
    fakes: Fakes, adapter: Adapter, ctx: AdapterContext, creds: Credentials
) -> None:
    fakes.state.inject(LI, "videos.get", "processing_failed")
    with pytest.raises(Rejected) as caught:
        await adapter.publish(ctx, creds, request("watch", [fakes.media("clip.mp4")]))
    assert (
        caught.value.code == "invalid_media"
        and "could not process the video" in caught.value.reason
    )
    assert creates(fakes) == []


async def test_processing_longer_than_the_deadline_is_retryable(
    fakes: Fakes, ctx: AdapterContext, creds: Credentials
) -> None:
    adapter = Adapter(polling=dataclasses.replace(FAST, video_deadline=0.05, retry_after=42))
    fakes.state.inject(LI, "videos.get", "slow_processing", count=100)
    with pytest.raises(Retryable) as caught:
        await adapter.publish(ctx, creds, request("watch", [fakes.media("clip.mp4")]))
    assert caught.value.after == 42 and "still processing the video" in caught.value.reason
    assert creates(fakes) == []


async def test_member_tokens_that_cannot_read_image_status_wait_instead(
    fakes: Fakes, adapter: Adapter, ctx: AdapterContext, creds: Credentials
) -> None:
    data(fakes.state).members_cannot_read_images = True
    await adapter.publish(ctx, creds, request("a cat", [fakes.media("cat.png")]))
    assert len(live_posts(fakes.state)) == 1


async def test_posting_as_an_administered_organization(
    fakes: Fakes, adapter: Adapter, ctx: AdapterContext, creds: Credentials
) -> None:
    page = dataclasses.replace(creds, target_id=f"urn:li:organization:{ORG_ID}")
    published = await adapter.publish(ctx, page, request("page news", [fakes.media("dog.jpg")]))
    [post] = live_posts(fakes.state)
    assert post.author == f"urn:li:organization:{ORG_ID}" == published.extra["author"]
    assert data(fakes.state).media[post.body["content"]["media"]["id"]].owner == post.author
    analyst = dataclasses.replace(creds, target_id="777")  # a role that cannot post
    with pytest.raises(Rejected) as caught:
        await adapter.publish(ctx, analyst, request("not mine"))
    assert caught.value.code == "permission_missing"


async def test_first_comment(
    fakes: Fakes, adapter: Adapter, ctx: AdapterContext, creds: Credentials
) -> None:
    published = await adapter.publish(
        ctx, creds, request("post", first_comment="Link: https://x.io (more)")
    )
    assert published.extra["first_comment_id"].startswith("urn:li:comment:")
    assert live_posts(fakes.state)[0].comment_texts == ["Link: https://x.io (more)"]  # verbatim
    fakes.state.inject(LI, "comments.create", "server_error")
    second = await adapter.publish(ctx, creds, request("another", first_comment="hi"))
    assert "first comment was not posted" in second.extra["first_comment_error"]
    assert len(live_posts(fakes.state)) == 2


@pytest.mark.parametrize(
    ("endpoint", "mode", "error", "code"),
    [
        ("posts.create", "rate_limit", RateLimited, "rate_limited"),
        ("posts.create", "auth_expired", AuthExpired, "token_expired"),
        ("posts.create", "auth_revoked", AuthExpired, "token_expired"),
        ("posts.create", "duplicate", Rejected, "duplicate"),
        ("posts.create", "policy", Rejected, "content_rejected"),
        ("posts.create", "server_error", UnknownOutcome, "unknown_outcome"),
        ("images.init", "server_error", Retryable, "platform_temporary_error"),
        ("images.init", "rate_limit", RateLimited, "rate_limited"),
        ("images.upload", "server_error", Retryable, "platform_temporary_error"),
        ("images.get", "timeout_after_commit", Retryable, "platform_temporary_error"),
        ("images.get", "processing_failed", Rejected, "invalid_media"),
    ],
)
async def test_injected_failures_map_to_the_taxonomy(
    fakes: Fakes, adapter: Adapter, ctx: AdapterContext, creds: Credentials,
    endpoint: str, mode: str, error: type[Exception], code: str,
) -> None:  # fmt: skip
    fakes.state.inject(LI, endpoint, mode)
    with pytest.raises(error) as caught:
        await adapter.publish(ctx, creds, request("hello", [fakes.media("cat.png")]))
    assert getattr(caught.value, "code", None) == code
    if isinstance(caught.value, RateLimited):
        assert caught.value.after == 60  # LinkedIn sends no reset header
    assert live_posts(fakes.state) == []  # each failure struck before anything was created


async def test_real_duplicate_text_is_rejected_with_linkedins_message(
    adapter: Adapter, ctx: AdapterContext, creds: Credentials
) -> None:
    first = await adapter.publish(ctx, creds, request("same words"))
    with pytest.raises(Rejected) as caught:
        await adapter.publish(ctx, creds, request("same words"))
    assert caught.value.code == "duplicate" and first.platform_post_id in caught.value.reason


async def test_expired_and_revoked_tokens(
    fakes: Fakes, adapter: Adapter, ctx: AdapterContext, creds: Credentials
) -> None:
    revoke(fakes.state, str(creds.access_token))
    with pytest.raises(AuthExpired, match="REVOKED_ACCESS_TOKEN"):
        await adapter.publish(ctx, creds, request())
    data(fakes.state).tokens[str(creds.access_token)].revoked = False
    expire(fakes.state, str(creds.access_token))
    with pytest.raises(AuthExpired, match="EXPIRED_ACCESS_TOKEN"):
        await adapter.publish(ctx, creds, request())


async def test_too_long_for_linkedin_is_rejected(
    adapter: Adapter, ctx: AdapterContext, creds: Credentials
) -> None:
    with pytest.raises(Rejected) as caught:
        await adapter.publish(ctx, creds, request("x" * 3001))
    assert caught.value.code == "content_rejected" and "exceeds 3000" in caught.value.reason


async def test_unsupported_media_is_rejected_before_any_upload(
    fakes: Fakes, adapter: Adapter, ctx: AdapterContext, creds: Credentials
) -> None:
    with pytest.raises(Rejected) as caught:
        await adapter.publish(
            ctx, creds, request("x", [fakes.media("cat.png"), fakes.media("clip.mp4")])
        )
    assert caught.value.code == "invalid_content"
    with pytest.raises(Rejected) as caught:
        await adapter.publish(ctx, creds, request("x", [fakes.media("page.html")]))
    assert caught.value.code in ("media_unsupported", "media_unavailable")
    assert fakes.state.calls == []


async def test_unreachable_linkedin_is_retryable(
    adapter: Adapter, ctx: AdapterContext, creds: Credentials
) -> None:
    closed = dataclasses.replace(ctx, base_url="http://127.0.0.1:9")
    with pytest.raises(Retryable):
        await adapter.publish(ctx=closed, creds=creds, req=request())


async def test_lost_answer_is_unknown_then_found_once(
    fakes: Fakes, adapter: Adapter, ctx: AdapterContext, creds: Credentials
) -> None:
    since = clock.now() - timedelta(minutes=1)
    req = request("Answer lost #oops (really)", [fakes.media("cat.png"), fakes.media("dog.jpg")])
    fakes.state.inject(LI, "posts.create", "timeout_after_commit")
    with pytest.raises(UnknownOutcome):
        await adapter.publish(ctx, creds, req)
    found = await adapter.find_published(ctx, creds, req, since)
    assert found is not None and found.platform_post_id == live_posts(fakes.state)[0].urn
    assert found.public_url.startswith("https://www.linkedin.com/feed/update/urn:li:share:")
    assert len(creates(fakes)) == 1


async def test_find_published_matches_text_media_and_time(
    fakes: Fakes, adapter: Adapter, ctx: AdapterContext, creds: Credentials
) -> None:
    since = clock.now() - timedelta(minutes=1)
    await adapter.publish(ctx, creds, request("one #tag"))
    assert await adapter.find_published(ctx, creds, request("not posted"), since) is None
    assert (
        await adapter.find_published(
            ctx, creds, request("one #tag", [fakes.media("cat.png")]), since
        )
        is None
    )
    assert (
        await adapter.find_published(
            ctx, creds, request("one #tag"), clock.now() + timedelta(minutes=1)
        )
        is None
    )
    assert await adapter.find_published(ctx, creds, request("  one #tag\n"), since) is not None
    listed = fakes.state.calls_to(LI, "GET", "/rest/posts")
    assert listed and listed[0]["headers"]["x-restli-protocol-version"] == "2.0.0"
