"""Publishing through the X adapter against the contract fake: text, media, threads, options."""

from __future__ import annotations

import pytest
from tests.platforms.twitter.conftest import X

from lowtato.platforms.base import Media, PublishRequest
from lowtato.platforms.errors import Rejected, Retryable
from lowtato.platforms.twitter.adapter import Adapter
from lowtato.platforms.twitter.media import PollPolicy


def request(text: str, media: list[Media] | None = None, **options: object) -> PublishRequest:
    return PublishRequest(post_id="post_1", text=text, media=media or [], options=dict(options))


def creates(x: X) -> list[dict[str, object]]:
    return [c["body"] for c in x.fakes.state.calls_to("x", "POST", "/2/tweets")]


async def test_text_post_is_published_with_its_public_url(x: X) -> None:
    published = await x.adapter.publish(x.ctx, x.creds, request("Hello from Lowtato"))
    assert published.public_url == f"https://x.com/lowtato_fan/status/{published.platform_post_id}"
    assert len(published.platform_post_id) == 19 and published.platform_post_id.isdigit()
    assert creates(x) == [{"text": "Hello from Lowtato"}]
    call = x.fakes.state.calls_to("x", "POST", "/2/tweets")[0]
    assert call["headers"]["authorization"] == f"Bearer {x.access_token}"
    assert x.store.tweets[published.platform_post_id].text == "Hello from Lowtato"


async def test_four_images_are_uploaded_in_order_with_alt_text(x: X) -> None:
    media = [*x.media("cat.png", alt="a red square"), *x.media("dog.jpg", "cat.png", "dog.jpg")]
    published = await x.adapter.publish(x.ctx, x.creds, request("four", media))
    uploads = x.fakes.state.calls_to("x", "POST", "/2/media/upload")
    assert [u["body"]["media_category"] for u in uploads] == ["tweet_image"] * 4
    ids = published.extra["media_ids"]
    assert creates(x) == [{"text": "four", "media": {"media_ids": ids}}]
    assert [x.store.media[i].media_type for i in ids] == ["image/png", "image/jpeg"] * 2
    assert x.store.media[ids[0]].alt_text == "a red square"
    assert len(x.fakes.state.calls_to("x", "POST", "/2/media/metadata")) == 1
    assert x.store.tweets[published.platform_post_id].media_ids == ids


async def test_video_uses_chunked_upload_and_waits_for_processing(x: X) -> None:
    published = await x.adapter.publish(x.ctx, x.creds, request("clip", x.media("big.mp4")))
    (init,) = x.fakes.state.calls_to("x", "POST", "/2/media/upload/initialize")
    assert init["body"]["media_type"] == "video/mp4"
    assert init["body"]["media_category"] == "tweet_video"
    assert init["body"]["total_bytes"] > 6 * 1024 * 1024
    appends = x.fakes.state.calls_to("x", "POST", "/append")
    assert [a["body"]["segment_index"] for a in appends] == ["0", "1"]
    assert len(x.fakes.state.calls_to("x", "POST", "/finalize")) == 1
    # pending -> in_progress -> succeeded, waiting check_after_secs (1) before each poll
    assert len(x.fakes.state.calls_to("x", "GET", "/2/media/upload")) == 2
    assert x.sleeps == [1.0, 1.0]
    (media_id,) = published.extra["media_ids"]
    assert x.store.media[media_id].state == "succeeded"


async def test_gif_is_uploaded_chunked_as_tweet_gif(x: X) -> None:
    published = await x.adapter.publish(x.ctx, x.creds, request("", x.media("anim.gif")))
    (init,) = x.fakes.state.calls_to("x", "POST", "/2/media/upload/initialize")
    assert (init["body"]["media_type"], init["body"]["media_category"]) == (
        "image/gif",
        "tweet_gif",
    )
    assert x.store.tweets[published.platform_post_id].media_ids == published.extra["media_ids"]


async def test_slow_processing_is_polled_until_ready(x: X) -> None:
    x.fakes.state.inject("x", "media_status", "slow_processing", count=3)
    await x.adapter.publish(x.ctx, x.creds, request("slow", x.media("clip.mp4")))
    assert len(x.fakes.state.calls_to("x", "GET", "/2/media/upload")) == 5
    assert len(creates(x)) == 1


async def test_processing_wait_is_bounded(x: X) -> None:
    async def no_wait(_seconds: float) -> None:
        return None

    adapter = Adapter(sleep=no_wait, poll=PollPolicy(max_polls=2))
    x.fakes.state.inject("x", "media_status", "slow_processing", count=10)
    with pytest.raises(Retryable, match="still processing"):
        await adapter.publish(x.ctx, x.creds, request("slow", x.media("clip.mp4")))
    assert creates(x) == []


async def test_failed_processing_is_rejected_as_invalid_media(x: X) -> None:
    x.fakes.state.inject("x", "media_status", "processing_failed")
    with pytest.raises(Rejected, match="UnsupportedMedia") as caught:
        await x.adapter.publish(x.ctx, x.creds, request("broken", x.media("clip.mp4")))
    assert caught.value.code == "invalid_media"
    assert creates(x) == []


async def test_video_with_images_is_refused_before_any_upload(x: X) -> None:
    with pytest.raises(Rejected, match="not a mix") as caught:
        await x.adapter.publish(x.ctx, x.creds, request("mix", x.media("cat.png", "clip.mp4")))
    assert caught.value.code == "invalid_media"
    assert [c for c in x.fakes.state.calls if c["platform"] == "x"] == []


async def test_unsupported_file_is_rejected(x: X) -> None:
    with pytest.raises(Rejected) as caught:
        await x.adapter.publish(x.ctx, x.creds, request("page", x.media("page.html")))
    assert caught.value.code == "media_unsupported"


async def test_thread_is_posted_as_a_reply_chain(x: X) -> None:
    published = await x.adapter.publish(
        x.ctx, x.creds, request("1/3", thread=["2/3", "3/3"], reply_settings="following")
    )
    first = published.platform_post_id
    second, third = published.extra["thread_ids"]
    assert "thread_error" not in published.extra
    assert creates(x) == [
        {"text": "1/3", "reply_settings": "following"},
        {"text": "2/3", "reply": {"in_reply_to_tweet_id": first}, "reply_settings": "following"},
        {"text": "3/3", "reply": {"in_reply_to_tweet_id": second}, "reply_settings": "following"},
    ]
    assert x.store.tweets[third].reply_to == second


async def test_failed_thread_item_leaves_the_post_published(x: X) -> None:
    await x.adapter.publish(x.ctx, x.creds, request("said before"))
    published = await x.adapter.publish(
        x.ctx, x.creds, request("opening", thread=["fine", "said before", "never sent"])
    )
    assert len(published.extra["thread_ids"]) == 1
    assert "thread item 3 of 4 failed" in published.extra["thread_error"]
    assert "duplicate content" in published.extra["thread_error"]
    assert [b["text"] for b in creates(x)] == ["said before", "opening", "fine", "said before"]
    assert x.store.tweets[published.platform_post_id].text == "opening"


async def test_reply_quote_and_first_comment(x: X) -> None:
    target = (await x.adapter.publish(x.ctx, x.creds, request("target"))).platform_post_id
    published = await x.adapter.publish(
        x.ctx,
        x.creds,
        request("answer", reply_to_id=target, quote_tweet_id=target, first_comment="more below"),
    )
    post = published.platform_post_id
    assert creates(x)[1:] == [
        {"text": "answer", "reply": {"in_reply_to_tweet_id": target}, "quote_tweet_id": target},
        {"text": "more below", "reply": {"in_reply_to_tweet_id": post}},
    ]
    assert x.store.tweets[published.extra["first_comment_id"]].reply_to == post


async def test_failed_first_comment_is_reported_not_raised(x: X) -> None:
    await x.adapter.publish(x.ctx, x.creds, request("same words"))
    published = await x.adapter.publish(
        x.ctx, x.creds, request("the post", first_comment="same words")
    )
    assert "first comment failed" in published.extra["first_comment_error"]
    assert "first_comment_id" not in published.extra


async def test_reply_to_a_missing_post_is_rejected(x: X) -> None:
    with pytest.raises(Rejected, match="deleted or not visible") as caught:
        await x.adapter.publish(x.ctx, x.creds, request("hi", reply_to_id="1234567890123456789"))
    assert caught.value.code == "content_rejected"


async def test_over_long_text_is_rejected_by_the_platform(x: X) -> None:
    with pytest.raises(Rejected, match="too long") as caught:
        await x.adapter.publish(x.ctx, x.creds, request("é" * 200 + "文" * 41))
    assert caught.value.code == "invalid_request"
