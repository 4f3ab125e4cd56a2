"""The Instagram adapter against the contract fake: each post type, polling, the quota, the
first comment, errors, reconciliation, account calls."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from tests.fakes.instagram import CLIENT_ID, CLIENT_SECRET, expire, issue_code, use_quota
from tests.platforms.instagram.conftest import IG

from lowtato.platforms.base import Credentials, Media, OAuthApp, PublishRequest
from lowtato.platforms.errors import (
    AuthExpired,
    RateLimited,
    Rejected,
    Retryable,
    UnknownOutcome,
)
from lowtato.platforms.instagram.adapter import InstagramAdapter

SINCE = datetime.now(UTC) - timedelta(minutes=1)


async def test_image_post_is_published_with_its_permalink_and_first_comment(ig: IG) -> None:
    done = await ig.adapter.publish(
        ig.ctx, ig.creds, ig.request("Fresh rye", "dog.jpg", first_comment="Open at 7")
    )
    media = ig.db.media[done.platform_post_id]
    assert (media.caption, media.product, media.comments) == ("Fresh rye", "FEED", ["Open at 7"])
    assert done.public_url == media.permalink and "/p/" in done.public_url
    assert ig.db.quota_used[ig.seeded.ig_id] == 1


async def test_carousel_publishes_one_post_from_finished_children(ig: IG) -> None:
    done = await ig.adapter.publish(
        ig.ctx, ig.creds, ig.request("Three loaves", "dog.jpg", "cat.png", "clip.mp4")
    )
    parent = ig.db.containers[ig.db.media[done.platform_post_id].container]
    assert parent.media_type == "CAROUSEL" and len(parent.children) == 3
    assert [ig.db.containers[c].kind for c in parent.children] == ["image", "image", "video"]
    assert ig.publishes() == 1


async def test_reel_and_story(ig: IG) -> None:
    ig.fakes.state.inject("instagram", "status", "slow_processing", count=3)
    reel = await ig.adapter.publish(ig.ctx, ig.creds, ig.request("Watch", "clip.mp4"))
    story = await ig.adapter.publish(
        ig.ctx, ig.creds, ig.request("", "dog.jpg", post_type="story", post_id="p2")
    )
    assert ig.db.media[reel.platform_post_id].product == "REELS" and "/reel/" in reel.public_url
    assert ig.db.media[story.platform_post_id].product == "STORY"
    (story_call,) = [c for c in ig.fakes.state.calls_to("instagram", "POST", "/media")
                     if c["body"].get("media_type") == "STORIES"]  # fmt: skip
    assert "caption" not in story_call["body"]


async def test_processing_error_rejects_and_nothing_is_published(ig: IG) -> None:
    ig.fakes.state.inject("instagram", "status", "processing_failed")
    with pytest.raises(Rejected) as caught:
        await ig.adapter.publish(ig.ctx, ig.creds, ig.request("Bad", "clip.mp4"))
    assert caught.value.code == "processing_failed" and ig.publishes() == 0


async def test_unreachable_media_says_the_url_must_be_public(ig: IG) -> None:
    req = ig.request("Missing", "nothing-here.jpg")
    with pytest.raises(Rejected) as caught:
        await ig.adapter.publish(ig.ctx, ig.creds, req)
    assert caught.value.code == "invalid_media" and "public URL" in caught.value.reason
    assert ig.publishes() == 0


async def test_used_up_quota_is_a_rate_limit_before_anything_is_sent(ig: IG) -> None:
    use_quota(ig.fakes.state, ig.seeded.ig_id)
    with pytest.raises(RateLimited) as caught:
        await ig.adapter.publish(ig.ctx, ig.creds, ig.request("Too many", "dog.jpg"))
    assert caught.value.after == 3600 and "100 posts per 24 hours" in caught.value.reason
    assert ig.fakes.state.calls_to("instagram", "POST", "/media") == []


async def test_rate_limit_and_expired_token_are_mapped(ig: IG) -> None:
    ig.fakes.state.inject("instagram", "media_publish", "rate_limit")
    with pytest.raises(RateLimited) as limited:
        await ig.adapter.publish(ig.ctx, ig.creds, ig.request("Slow down", "dog.jpg"))
    assert limited.value.after == 300
    expire(ig.fakes.state, ig.seeded.token)
    with pytest.raises(AuthExpired) as expired:
        await ig.adapter.publish(ig.ctx, ig.creds, ig.request("Gone", "dog.jpg"))
    assert expired.value.kind == "expired"


async def test_server_error_on_publish_is_unknown_then_reconciled_once(ig: IG) -> None:
    ig.fakes.state.inject("instagram", "media_publish", "timeout_after_commit")
    req = ig.request("Lost answer", "dog.jpg")
    with pytest.raises(UnknownOutcome):
        await ig.adapter.publish(ig.ctx, ig.creds, req)
    found = await ig.adapter.find_published(ig.ctx, ig.creds, req, SINCE)
    assert found is not None and ig.db.media[found.platform_post_id].caption == "Lost answer"
    other = ig.request("Never sent", "dog.jpg")
    assert await ig.adapter.find_published(ig.ctx, ig.creds, other, SINCE) is None


async def test_container_failure_is_retryable_and_not_published(ig: IG) -> None:
    ig.fakes.state.inject("instagram", "media", "server_error")
    with pytest.raises(Retryable) as caught:
        await ig.adapter.publish(ig.ctx, ig.creds, ig.request("Flaky", "dog.jpg"))
    assert not isinstance(caught.value, UnknownOutcome) and ig.publishes() == 0


async def test_policy_refusal_is_rejected_with_its_code(ig: IG) -> None:
    ig.fakes.state.inject("instagram", "media_publish", "policy")
    with pytest.raises(Rejected) as caught:
        await ig.adapter.publish(ig.ctx, ig.creds, ig.request("Spammy", "dog.jpg"))
    assert caught.value.code == "policy" and "spam" in caught.value.reason


async def test_metrics_and_delete(ig: IG) -> None:
    done = await ig.adapter.publish(ig.ctx, ig.creds, ig.request("Counted", "dog.jpg"))
    metrics = await ig.adapter.fetch_metrics(ig.ctx, ig.creds, done.platform_post_id)
    assert (metrics.views, metrics.comments, metrics.shares) == (12, 0, 1)
    ig.fakes.state.inject("instagram", "delete", "policy")
    with pytest.raises(Rejected) as refused:
        await ig.adapter.delete(ig.ctx, ig.creds, done.platform_post_id)
    assert refused.value.code == "unsupported" and "Instagram app" in refused.value.reason
    await ig.adapter.delete(ig.ctx, ig.creds, done.platform_post_id)
    assert done.platform_post_id not in ig.db.media


async def test_whoami_finds_the_linked_instagram_account(ig: IG) -> None:
    anyone = Credentials("", "", ig.seeded.token)
    who = await ig.adapter.whoami(ig.ctx, anyone)
    assert (who.platform_user_id, who.username) == (ig.seeded.ig_id, "ada_bakes")
    with pytest.raises(Rejected) as caught:
        await ig.adapter.whoami(ig.ctx, Credentials("someone_else", "", ig.seeded.token))
    assert caught.value.code == "permission_missing" and "Link the Instagram" in caught.value.reason


async def test_oauth_code_exchange_and_refresh(ig: IG) -> None:
    app = OAuthApp(CLIENT_ID, CLIENT_SECRET)
    url = ig.adapter.authorize_url(ig.ctx, app, redirect_uri="https://x/cb", state="s",
                                   code_challenge="c")  # fmt: skip
    assert "instagram_content_publish" in url and "/v23.0/dialog/oauth" in url
    code = issue_code(ig.fakes.state)
    tokens = await ig.adapter.exchange_code(ig.ctx, app, code=code, redirect_uri="https://x/cb",
                                            code_verifier="v")  # fmt: skip
    assert tokens.refresh_token is None and tokens.expires_in == 5_184_000
    refreshed = await InstagramAdapter(app).refresh_token(
        ig.ctx, Credentials(ig.seeded.ig_id, "ada_bakes", tokens.access_token)
    )
    assert refreshed.access_token != tokens.access_token


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8000/media/a.jpg", "http://localhost/a.jpg", "https://10.1.2.3/a.jpg",
     "http://nas.local/a.jpg", "http://[::1]/a.jpg"],
)  # fmt: skip
async def test_private_media_urls_are_refused_before_anything_is_sent(ig: IG, url: str) -> None:
    ctx = replace(ig.ctx, private_media_ok=False)
    req = PublishRequest("post_9", "Local", [Media(url=url)], {})
    with pytest.raises(Rejected) as caught:
        await ig.adapter.publish(ctx, ig.creds, req)
    assert caught.value.code == "media_not_public"
    assert "LOWTATO_PUBLIC_URL" in caught.value.reason and "cannot reach" in caught.value.reason
    assert ig.fakes.state.calls_to("instagram", "POST", "/media") == []
