"""The TikTok adapter against the contract fake: every post type, the chunk rules, the
creator's privacy options, status polling and every failure mode."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from tests.fakes import tiktok_store as tt
from tests.platforms.tiktok.conftest import TT

from lowtato.kit.clock import FrozenClock
from lowtato.platforms.errors import (
    AuthExpired,
    RateLimited,
    Rejected,
    Retryable,
    UnknownOutcome,
)
from lowtato.platforms.tiktok.adapter import PENDING_PREFIX
from lowtato.platforms.tiktok.upload import MB, plan_chunks


async def test_small_video_is_one_chunk_and_published_with_its_public_id(tiktok: TT) -> None:
    published = await tiktok.adapter.publish(
        tiktok.ctx, tiktok.creds, tiktok.request("my first clip #fyp", "clip.mp4")
    )
    (post,) = tt.live_posts(tiktok.fakes.state)
    assert (post.kind, post.title, post.privacy) == ("video", "my first clip #fyp", "SELF_ONLY")
    assert published.platform_post_id == post.id
    assert published.public_url == f"https://www.tiktok.com/@lowtato.fan/video/{post.id}"
    (init,) = tiktok.calls("/video/init/")
    source = init["body"]["source_info"]
    size = source["video_size"]
    assert source == {"source": "FILE_UPLOAD", "video_size": size, "chunk_size": size,
                      "total_chunk_count": 1}  # fmt: skip
    (chunk,) = tiktok.calls("/upload/", "PUT")
    assert chunk["headers"]["content-range"] == f"bytes 0-{size - 1}/{size}"
    # creator_info comes first, always
    assert tiktok.fakes.state.calls[0]["path"].endswith("/creator_info/query/")


async def test_large_video_goes_up_in_chunks_the_last_taking_the_remainder(tiktok: TT) -> None:
    tiktok.adapter.chunk_bytes = 5 * MB
    size = 12 * MB + 123
    await tiktok.adapter.publish(
        tiktok.ctx, tiktok.creds, tiktok.request("big one", f"padded-{size}.mp4")
    )
    ranges = [c["headers"]["content-range"] for c in tiktok.calls("/upload/", "PUT")]
    assert ranges == [
        f"bytes 0-{5 * MB - 1}/{size}",
        f"bytes {5 * MB}-{size - 1}/{size}",  # floor(12 MB / 5 MB) = 2 chunks
    ]
    assert len(tt.live_posts(tiktok.fakes.state)) == 1


def test_chunk_plan_follows_tiktoks_rules() -> None:
    assert plan_chunks(3 * MB).total_chunk_count == 1  # under 5 MB: one chunk of its size
    assert (plan_chunks(40 * MB).chunk_size, plan_chunks(40 * MB).total_chunk_count) == (
        10 * MB,
        4,
    )
    big = plan_chunks(4 * 1024 * MB)
    assert big.total_chunk_count <= 1000 and 5 * MB <= big.chunk_size <= 64 * MB
    last = big.ranges()[-1][1]
    assert big.chunk_size <= last < 128 * MB
    with pytest.raises(Rejected):
        plan_chunks(0)


async def test_video_pulled_from_a_verified_url(tiktok: TT) -> None:
    req = tiktok.request("pulled", "clip.mp4", video_source="PULL_FROM_URL")
    published = await tiktok.adapter.publish(tiktok.ctx, tiktok.creds, req)
    (init,) = tiktok.calls("/video/init/")
    assert init["body"]["source_info"] == {
        "source": "PULL_FROM_URL", "video_url": tiktok.fakes.media("clip.mp4"),
    }  # fmt: skip
    assert tiktok.calls("/upload/", "PUT") == []
    assert published.platform_post_id == tt.live_posts(tiktok.fakes.state)[0].id


async def test_unverified_pull_url_is_rejected_with_advice(tiktok: TT) -> None:
    tiktok.db.pull_verified = False
    req = tiktok.request("pulled", "clip.mp4", video_source="PULL_FROM_URL")
    with pytest.raises(Rejected) as caught:
        await tiktok.adapter.publish(tiktok.ctx, tiktok.creds, req)
    assert caught.value.code == "media_rejected" and "FILE_UPLOAD" in caught.value.reason
    assert tt.live_posts(tiktok.fakes.state) == []


async def test_photo_post_with_title_and_description(tiktok: TT) -> None:
    req = tiktok.request("the description", "dog.jpg", "dog.jpg", title="Two dogs")
    published = await tiktok.adapter.publish(tiktok.ctx, tiktok.creds, req)
    (post,) = tt.live_posts(tiktok.fakes.state)
    assert (post.kind, post.title, post.description) == ("photo", "Two dogs", "the description")
    assert post.images == [tiktok.fakes.media("dog.jpg")] * 2
    assert published.platform_post_id == post.id


async def test_privacy_level_the_creator_does_not_allow_is_refused_listing_the_allowed(
    tiktok: TT,
) -> None:
    tiktok.db.users[tiktok.creator.open_id].privacy_options = ("SELF_ONLY",)
    req = tiktok.request("public please", "clip.mp4", privacy_level="PUBLIC_TO_EVERYONE")
    with pytest.raises(Rejected) as caught:
        await tiktok.adapter.publish(tiktok.ctx, tiktok.creds, req)
    assert caught.value.code == "invalid_content"
    assert "one of: SELF_ONLY" in caught.value.reason
    assert tiktok.calls("/video/init/") == []  # refused before anything was sent


async def test_interactions_the_creator_disabled_stay_disabled(tiktok: TT) -> None:
    tiktok.db.users[tiktok.creator.open_id].duet_disabled = True
    await tiktok.adapter.publish(tiktok.ctx, tiktok.creds, tiktok.request("x", "clip.mp4"))
    info = tiktok.calls("/video/init/")[0]["body"]["post_info"]
    assert (info["disable_duet"], info["disable_comment"]) == (True, False)


async def test_moderation_pending_is_published_under_the_publish_id(tiktok: TT) -> None:
    tiktok.db.moderation_polls = 50  # longer than the bounded polling
    published = await tiktok.adapter.publish(
        tiktok.ctx, tiktok.creds, tiktok.request("in review", "clip.mp4")
    )
    assert published.platform_post_id.startswith(PENDING_PREFIX)
    assert published.public_url == "https://www.tiktok.com/@lowtato.fan"
    assert published.extra["status"] == "PUBLISH_COMPLETE"
    assert len(tiktok.calls("/status/fetch/")) == 11  # 1 + 10 bounded polls
    tiktok.db.moderation_polls = 0
    tt.data(tiktok.fakes.state).publishes[published.extra["publish_id"]].moderation_left = 0
    metrics = await tiktok.adapter.fetch_metrics(
        tiktok.ctx, tiktok.creds, published.platform_post_id
    )
    assert (metrics.likes, metrics.comments, metrics.views) == (2, 1, 0)


async def test_slow_processing_is_polled_until_complete(tiktok: TT) -> None:
    tiktok.fakes.state.inject(tt.PLATFORM, "status", "slow_processing", 4)
    published = await tiktok.adapter.publish(
        tiktok.ctx, tiktok.creds, tiktok.request("slow", "clip.mp4")
    )
    assert not published.platform_post_id.startswith(PENDING_PREFIX)
    assert len(tiktok.calls("/status/fetch/")) >= 6


async def test_processing_failure_is_rejected_with_the_reason(tiktok: TT) -> None:
    tiktok.fakes.state.inject(tt.PLATFORM, "status", "processing_failed")
    with pytest.raises(Rejected) as caught:
        await tiktok.adapter.publish(tiktok.ctx, tiktok.creds, tiktok.request("bad", "clip.mp4"))
    assert caught.value.code == "processing_failed"
    assert "file_format_check_failed" in caught.value.reason


async def test_rate_limited_init_waits_the_minute_window(tiktok: TT) -> None:
    tiktok.db.init_limit = 1
    await tiktok.adapter.publish(tiktok.ctx, tiktok.creds, tiktok.request("one", "clip.mp4"))
    with pytest.raises(RateLimited) as caught:
        await tiktok.adapter.publish(tiktok.ctx, tiktok.creds, tiktok.request("two", "clip.mp4"))
    assert caught.value.after == 60.0
    assert len(tt.live_posts(tiktok.fakes.state)) == 1


async def test_expired_token_is_auth_expired(tiktok: TT) -> None:
    tt.expire(tiktok.fakes.state, tiktok.creator.token)
    with pytest.raises(AuthExpired) as caught:
        await tiktok.adapter.publish(tiktok.ctx, tiktok.creds, tiktok.request("x", "clip.mp4"))
    assert caught.value.kind == "expired" and "Reconnect" in caught.value.reason


async def test_missing_scope_is_permission_missing(tiktok: TT) -> None:
    creator = tt.seed_account(tiktok.fakes.state, "noscope", scopes=frozenset({"user.info.basic"}))
    creds = replace(tiktok.creds, access_token=creator.token)
    with pytest.raises(Rejected) as caught:
        await tiktok.adapter.publish(tiktok.ctx, creds, tiktok.request("x", "clip.mp4"))
    assert caught.value.code == "permission_missing"


@pytest.mark.parametrize(("mode", "code"), [("policy", "policy"), ("duplicate", "policy")])
async def test_spam_risk_answers_are_policy_rejections(tiktok: TT, mode: str, code: str) -> None:
    tiktok.fakes.state.inject(tt.PLATFORM, "video.init", mode)
    with pytest.raises(Rejected) as caught:
        await tiktok.adapter.publish(tiktok.ctx, tiktok.creds, tiktok.request("x", "clip.mp4"))
    assert caught.value.code == code


async def test_server_error_before_the_post_is_retryable(tiktok: TT) -> None:
    tiktok.fakes.state.inject(tt.PLATFORM, "video.init", "server_error")
    with pytest.raises(Retryable) as caught:
        await tiktok.adapter.publish(tiktok.ctx, tiktok.creds, tiktok.request("x", "clip.mp4"))
    assert not isinstance(caught.value, RateLimited)
    assert tt.live_posts(tiktok.fakes.state) == []


async def test_lost_init_answer_of_an_upload_is_retryable_and_posts_nothing(tiktok: TT) -> None:
    tiktok.fakes.state.inject(tt.PLATFORM, "video.init", "timeout_after_commit")
    with pytest.raises(Retryable):
        await tiktok.adapter.publish(tiktok.ctx, tiktok.creds, tiktok.request("x", "clip.mp4"))
    assert tt.live_posts(tiktok.fakes.state) == []


@pytest.mark.parametrize(
    ("endpoint", "media", "options"),
    [
        ("upload", "clip.mp4", {}),
        ("video.init", "clip.mp4", {"video_source": "PULL_FROM_URL"}),
        ("content.init", "dog.jpg", {}),
    ],
)
async def test_lost_answer_of_the_call_that_posts_is_unknown_then_found(
    tiktok: TT, frozen: FrozenClock, endpoint: str, media: str, options: dict[str, str]
) -> None:
    since = frozen.now()
    tiktok.fakes.state.inject(tt.PLATFORM, endpoint, "timeout_after_commit")
    req = tiktok.request(f"lost {endpoint}", media, **options)
    with pytest.raises(UnknownOutcome):
        await tiktok.adapter.publish(tiktok.ctx, tiktok.creds, req)
    (post,) = tt.live_posts(tiktok.fakes.state)
    found = await tiktok.adapter.find_published(tiktok.ctx, tiktok.creds, req, since)
    assert found is not None and found.platform_post_id == post.id
    assert found.extra == {"reconciled": True}


async def test_find_published_misses_other_texts_and_older_posts(
    tiktok: TT, frozen: FrozenClock
) -> None:
    await tiktok.adapter.publish(tiktok.ctx, tiktok.creds, tiktok.request("old", "clip.mp4"))
    frozen.advance(timedelta(minutes=10))
    since = frozen.now()
    for text in ("old", "new"):
        req = tiktok.request(text, "clip.mp4")
        assert await tiktok.adapter.find_published(tiktok.ctx, tiktok.creds, req, since) is None


async def test_delete_says_tiktok_has_no_delete_api(tiktok: TT) -> None:
    with pytest.raises(Rejected) as caught:
        await tiktok.adapter.delete(tiktok.ctx, tiktok.creds, "7300000000000000001")
    assert caught.value.code == "unsupported" and "no API to delete" in caught.value.reason
