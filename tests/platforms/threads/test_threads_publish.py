"""Each post type, the reply chain, and every failure mode of publishing, against the fake."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.fakes.threads_store import QUOTA, Post, posts
from tests.platforms.threads.conftest import TH

from lowtato.kit.clock import FrozenClock
from lowtato.platforms.base import Media, PublishRequest
from lowtato.platforms.errors import AuthExpired, RateLimited, Rejected, Retryable, UnknownOutcome


def _only(th: TH) -> Post:
    (post,) = posts(th.fakes.state)
    return post


async def test_text_post_is_published_with_its_permalink(th: TH) -> None:
    done = await th.adapter.publish(
        th.ctx, th.creds, th.request("Fresh bread 🍞", reply_control="mentioned_only")
    )
    post = _only(th)
    assert (post.text, post.media_type, post.reply_control) == (
        "Fresh bread 🍞",
        "TEXT_POST",
        "mentioned_only",
    )
    assert done.platform_post_id == post.id
    assert done.public_url == f"https://www.threads.net/@ada.bakes/post/{post.shortcode}"
    assert th.publishes() == 1


@pytest.mark.parametrize(
    ("media", "kind", "param"),
    [(("cat.png",), "IMAGE", "image_url"), (("clip.mp4",), "VIDEO", "video_url")],
)
async def test_image_and_video_posts(th: TH, media: tuple[str, ...], kind: str, param: str) -> None:
    done = await th.adapter.publish(th.ctx, th.creds, th.request("one item", *media))
    assert _only(th).media_type == kind and done.extra["media_type"] == kind
    (create,) = th.fakes.state.calls_to("threads", "POST", f"/{th.seeded.user_id}/threads")
    assert create["body"][param] == th.fakes.media(media[0])


async def test_carousel_is_items_then_parent(th: TH) -> None:
    th.fakes.state.inject("threads", "status", "slow_processing", count=2)
    done = await th.adapter.publish(
        th.ctx, th.creds, th.request("pets", "cat.png", "dog.jpg", "clip.mp4")
    )
    post = _only(th)
    assert post.media_type == "CAROUSEL_ALBUM" and len(post.children) == 3
    creates = th.fakes.state.calls_to("threads", "POST", f"/{th.seeded.user_id}/threads")
    assert [c["body"].get("is_carousel_item") for c in creates] == [True, True, True, None]
    assert done.extra["media_type"] == "CAROUSEL_ALBUM"


async def test_thread_is_a_reply_chain_and_first_comment_replies_to_the_post(th: TH) -> None:
    req = th.request("1/3", thread=["2/3", "3/3"], first_comment="comments welcome")
    done = await th.adapter.publish(th.ctx, th.creds, req)
    main = _only(th)
    replies = {p.text: p for p in posts(th.fakes.state, replies=True)}
    assert replies["2/3"].reply_to == main.id and replies["3/3"].reply_to == replies["2/3"].id
    assert replies["comments welcome"].reply_to == main.id
    assert done.extra["thread_ids"] == [replies["2/3"].id, replies["3/3"].id]
    assert done.extra["first_comment_id"] == replies["comments welcome"].id


async def test_thread_item_failure_stops_the_chain_and_keeps_the_post(th: TH) -> None:
    req = th.request("head", thread=["second", "y" * 501, "fourth"])  # Threads refuses item 3
    done = await th.adapter.publish(th.ctx, th.creds, req)
    (second,) = posts(th.fakes.state, replies=True)
    assert _only(th).text == "head" and second.text == "second"
    assert done.extra["thread_ids"] == [second.id]
    assert "thread item 3 of 4 failed" in done.extra["thread_error"]
    assert "500 characters" in done.extra["thread_error"]


async def test_policy_refusal_is_rejected_and_nothing_is_published(th: TH) -> None:
    th.fakes.state.inject("threads", "container", "policy")
    with pytest.raises(Rejected) as err:
        await th.adapter.publish(th.ctx, th.creds, th.request("refused"))
    assert err.value.code == "policy" and "restricted this activity" in err.value.reason
    assert posts(th.fakes.state) == []


async def test_processing_failure_is_rejected_and_nothing_is_published(th: TH) -> None:
    th.fakes.state.inject("threads", "status", "processing_failed")
    with pytest.raises(Rejected) as err:
        await th.adapter.publish(th.ctx, th.creds, th.request("bad", "clip.mp4"))
    assert err.value.code == "processing_failed" and "FAILED_PROCESSING_VIDEO" in err.value.reason
    assert th.publishes() == 0


async def test_a_video_that_is_not_a_video_fails_downloading(th: TH) -> None:
    media = [Media(url=th.fakes.media("page.html"), kind="video")]
    req = PublishRequest("post_1", "html", media, {})
    with pytest.raises(Rejected) as err:
        await th.adapter.publish(th.ctx, th.creds, req)
    assert "FAILED_DOWNLOADING_VIDEO" in err.value.reason


async def test_still_processing_after_the_last_poll_is_retryable(th: TH) -> None:
    th.fakes.state.inject("threads", "status", "slow_processing", count=20)
    with pytest.raises(Retryable) as err:
        await th.adapter.publish(th.ctx, th.creds, th.request("slow", "clip.mp4"))
    assert err.value.after == 60.0 and th.publishes() == 0


async def test_rate_limit_is_rate_limited_with_a_reset(th: TH) -> None:
    th.fakes.state.inject("threads", "publish", "rate_limit")
    with pytest.raises(RateLimited) as err:
        await th.adapter.publish(th.ctx, th.creds, th.request("busy"))
    assert err.value.after == 300.0  # app usage at 100 %: a few minutes


async def test_full_daily_quota_is_rate_limited_before_anything_is_sent(th: TH) -> None:
    for n in range(QUOTA):
        th.db.posts[str(n)] = Post(str(n), th.seeded.user_id, f"old {n}", "TEXT_POST", f"s{n}")
    with pytest.raises(RateLimited) as err:
        await th.adapter.publish(th.ctx, th.creds, th.request("one too many"))
    assert err.value.after == 3600.0 and "250 posts" in err.value.reason
    assert th.fakes.state.calls_to("threads", "POST", "/threads") == []


@pytest.mark.parametrize(
    ("mode", "kind"), [("auth_expired", "expired"), ("auth_revoked", "revoked")]
)
async def test_dead_token_is_auth_expired(th: TH, mode: str, kind: str) -> None:
    th.fakes.state.inject("threads", "container", mode)
    with pytest.raises(AuthExpired) as err:
        await th.adapter.publish(th.ctx, th.creds, th.request("no luck"))
    assert err.value.kind == kind and "Reconnect the Threads account" in err.value.reason


async def test_server_error_on_a_container_is_retryable(th: TH) -> None:
    th.fakes.state.inject("threads", "container", "server_error")
    with pytest.raises(Retryable) as err:
        await th.adapter.publish(th.ctx, th.creds, th.request("flaky"))
    assert not isinstance(err.value, UnknownOutcome) and th.publishes() == 0


async def test_lost_publish_answer_is_unknown_then_found_once(th: TH, frozen: FrozenClock) -> None:
    since = frozen.now() - timedelta(seconds=1)
    th.fakes.state.inject("threads", "publish", "timeout_after_commit")
    req = th.request("did it post?", first_comment="hi")
    with pytest.raises(UnknownOutcome):
        await th.adapter.publish(th.ctx, th.creds, req)
    found = await th.adapter.find_published(th.ctx, th.creds, req, since)
    post = _only(th)
    assert found is not None and found.platform_post_id == post.id
    assert found.public_url.endswith(post.shortcode) and "first_comment_error" in found.extra
    other = th.request("did it post?", "cat.png")  # same text, other media type: not ours
    assert await th.adapter.find_published(th.ctx, th.creds, other, since) is None
