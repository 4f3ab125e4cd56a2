"""Publishing to a Page through the adapter against the Graph fake, over real HTTP."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import httpx
import pytest
from tests.fakes.facebook_graph import objects, seed_account
from tests.fakes.fixtures import QUICK_GIVE_UP
from tests.platforms.facebook.conftest import FB, PAGE_ID

from lowtato.kit import clock
from lowtato.platforms.errors import (
    AuthExpired,
    RateLimited,
    Rejected,
    Retryable,
    UnknownOutcome,
)

POST_URL = f"https://www.facebook.com/{PAGE_ID}/posts/"


async def test_text_post_goes_to_the_page_feed_with_the_page_token(fb: FB) -> None:
    published = await fb.adapter.publish(fb.ctx, fb.creds, fb.request("Fresh bread at 7"))
    (post,) = objects(fb.fakes.state, "post")
    assert published.platform_post_id == post.id and post.id.startswith(f"{PAGE_ID}_")
    assert post.message == "Fresh bread at 7" and post.published
    assert published.public_url == POST_URL + post.id.split("_")[1]
    (call,) = fb.fakes.state.calls_to("facebook", "POST", f"/v23.0/{PAGE_ID}/feed")
    assert call["headers"]["authorization"] == "Bearer"
    assert call["body"]["fields"] == "id,permalink_url"


async def test_link_post_without_text(fb: FB) -> None:
    req = fb.request("", link="https://example.com/menu")
    published = await fb.adapter.publish(fb.ctx, fb.creds, req)
    (post,) = objects(fb.fakes.state, "post")
    assert post.link == "https://example.com/menu" and post.message == ""
    assert published.extra["kind"] == "link"


async def test_single_photo_is_one_photos_call_fetched_by_url(fb: FB) -> None:
    published = await fb.adapter.publish(fb.ctx, fb.creds, fb.request("Our cat", "cat.png"))
    (photo,) = objects(fb.fakes.state, "photo")
    (post,) = objects(fb.fakes.state, "post")
    assert published.platform_post_id == post.id == photo.post_id
    assert published.extra["photo_id"] == photo.id
    assert published.public_url.startswith(POST_URL)
    (call,) = fb.fakes.state.calls_to("facebook", "POST", f"/{PAGE_ID}/photos")
    assert call["body"]["url"] == fb.fakes.media("cat.png") and call["body"]["message"] == "Our cat"


async def test_several_photos_are_uploaded_unpublished_then_attached(fb: FB) -> None:
    req = fb.request("Two pets", "cat.png", "dog.jpg")
    published = await fb.adapter.publish(fb.ctx, fb.creds, req)
    photos = objects(fb.fakes.state, "photo")
    (post,) = objects(fb.fakes.state, "post")
    assert [p.published for p in photos] == [False, False]
    assert post.photos == [p.id for p in photos] and published.platform_post_id == post.id
    (feed,) = fb.fakes.state.calls_to("facebook", "POST", f"/{PAGE_ID}/feed")
    assert feed["body"]["attached_media"] == [{"media_fbid": p.id} for p in photos]


async def test_video_is_polled_until_ready(fb: FB) -> None:
    fb.fakes.state.inject("facebook", "video_status", "slow_processing", count=2)
    published = await fb.adapter.publish(fb.ctx, fb.creds, fb.request("Kneading", "clip.mp4"))
    (video,) = objects(fb.fakes.state, "video")
    assert published.platform_post_id == video.id and video.message == "Kneading"
    assert published.public_url == f"https://www.facebook.com/{PAGE_ID}/videos/{video.id}/"
    assert published.extra["video_status"] == "ready"
    assert (
        len(fb.fakes.state.calls_to("facebook", "GET", f"/{video.id}")) == 4
    )  # 1 + 2 slow + ready


async def test_video_still_processing_after_the_polls_is_published_not_resent(fb: FB) -> None:
    fb.fakes.state.inject("facebook", "video_status", "slow_processing", count=50)
    published = await fb.adapter.publish(fb.ctx, fb.creds, fb.request("Long one", "clip.mp4"))
    assert published.extra["video_status"] == "processing"
    assert fb.creates("videos") == 1


@pytest.mark.parametrize("how", ["injected", "unreachable file"])
async def test_video_processing_error_is_rejected(fb: FB, how: str) -> None:
    if how == "injected":
        fb.fakes.state.inject("facebook", "video_status", "processing_failed")
        req = fb.request("Broken", "clip.mp4")
    else:
        req = fb.request("Broken", "missing.mp4")
    with pytest.raises(Rejected) as err:
        await fb.adapter.publish(fb.ctx, fb.creds, req)
    assert err.value.code == "processing_failed" and "MP4" in err.value.reason


async def test_reel_start_upload_finish(fb: FB) -> None:
    published = await fb.adapter.publish(
        fb.ctx, fb.creds, fb.request("Reel!", "clip.mp4", post_type="reel")
    )
    (reel,) = objects(fb.fakes.state, "video")
    assert (
        reel.kind == "reel" and reel.published and reel.message == "Reel!" and reel.state == "ready"
    )
    assert published.public_url == f"https://www.facebook.com/reel/{reel.id}"
    (upload,) = fb.fakes.state.calls_to(
        "facebook", "POST", f"/rupload/video-upload/v23.0/{reel.id}"
    )
    assert upload["headers"]["file_url"] == fb.fakes.media("clip.mp4")


async def test_story_is_refused_before_any_call(fb: FB) -> None:
    with pytest.raises(Rejected) as err:
        await fb.adapter.publish(fb.ctx, fb.creds, fb.request("", "cat.png", post_type="story"))
    assert err.value.code == "unsupported"
    assert fb.fakes.state.calls == []


async def test_without_a_page_the_user_is_told_to_pass_a_subaccount(fb: FB) -> None:
    with pytest.raises(Rejected) as err:
        await fb.adapter.publish(fb.ctx, fb.user_creds(), fb.request("hello"))
    assert err.value.code == "subaccount_required"
    assert "subaccountId" in err.value.reason and "/subaccounts" in err.value.reason
    assert fb.fakes.state.calls == []


async def test_page_token_is_fetched_when_not_stored(fb: FB) -> None:
    creds = replace(fb.creds, target_token=None)
    await fb.adapter.publish(fb.ctx, creds, fb.request("token lookup"))
    (lookup,) = fb.fakes.state.calls_to("facebook", "GET", f"/v23.0/{PAGE_ID}")
    assert lookup["body"]["fields"] == "access_token"
    assert len(objects(fb.fakes.state, "post")) == 1


async def test_another_pages_token_is_refused(fb: FB) -> None:
    other = seed_account(fb.fakes.state, user_id="100002", pages=(("200002", "Other"),))
    creds = replace(fb.creds, target_token=other.page_tokens["200002"])
    with pytest.raises(Rejected) as err:
        await fb.adapter.publish(fb.ctx, creds, fb.request("not mine"))
    assert err.value.code == "permission_missing" and "(#200)" in err.value.reason


async def test_link_with_media_is_refused(fb: FB) -> None:
    with pytest.raises(Rejected) as err:
        await fb.adapter.publish(
            fb.ctx, fb.creds, fb.request("x", "cat.png", link="https://a.example")
        )
    assert err.value.code == "invalid_content"


async def test_same_message_twice_is_a_duplicate(fb: FB) -> None:
    await fb.adapter.publish(fb.ctx, fb.creds, fb.request("Same again"))
    with pytest.raises(Rejected) as err:
        await fb.adapter.publish(fb.ctx, fb.creds, fb.request("Same again"))
    assert err.value.code == "duplicate" and "change the text" in err.value.reason


async def test_first_comment_follows_the_post(fb: FB) -> None:
    published = await fb.adapter.publish(
        fb.ctx, fb.creds, fb.request("With comment", first_comment="Menu inside")
    )
    (post,) = objects(fb.fakes.state, "post")
    assert post.comments == 1 and published.extra["first_comment_id"].startswith(post.id)


async def test_failed_first_comment_does_not_fail_the_post(fb: FB) -> None:
    fb.fakes.state.inject("facebook", "comments", "server_error")
    published = await fb.adapter.publish(
        fb.ctx, fb.creds, fb.request("Comment fails", first_comment="hi")
    )
    assert published.platform_post_id and "temporary" in published.extra["first_comment_error"]
    assert fb.creates("feed") == 1


@pytest.mark.parametrize(
    ("mode", "error", "code"),
    [
        ("rate_limit", RateLimited, "rate_limited"),
        ("auth_expired", AuthExpired, "token_expired"),
        ("auth_revoked", AuthExpired, "token_expired"),
        ("duplicate", Rejected, "duplicate"),
        ("policy", Rejected, "policy"),
        ("server_error", UnknownOutcome, "unknown_outcome"),  # on the create call: may exist
    ],
)
async def test_injected_feed_failures(fb: FB, mode: str, error: type[Exception], code: str) -> None:
    fb.fakes.state.inject("facebook", "feed", mode)
    with pytest.raises(error) as err:
        await fb.adapter.publish(fb.ctx, fb.creds, fb.request(f"mode {mode}"))
    assert getattr(err.value, "code", None) == code
    assert objects(fb.fakes.state, "post") == []


async def test_page_rate_limit_waits_for_the_business_use_case_estimate(fb: FB) -> None:
    fb.fakes.state.inject("facebook", "feed", "rate_limit")
    with pytest.raises(RateLimited) as err:
        await fb.adapter.publish(fb.ctx, fb.creds, fb.request("throttled"))
    assert err.value.after == 120.0  # estimated_time_to_regain_access: 2 minutes


async def test_failed_unpublished_photo_upload_is_retryable_not_unknown(fb: FB) -> None:
    fb.fakes.state.inject("facebook", "photos", "server_error")
    with pytest.raises(Retryable) as err:
        await fb.adapter.publish(fb.ctx, fb.creds, fb.request("two", "cat.png", "dog.jpg"))
    assert not isinstance(err.value, UnknownOutcome) and "nothing was published" in err.value.reason
    assert fb.creates("feed") == 0


async def test_photo_graph_cannot_fetch_is_rejected(fb: FB) -> None:
    with pytest.raises(Rejected) as err:
        await fb.adapter.publish(fb.ctx, fb.creds, fb.request("gone", "missing.png"))
    assert err.value.code == "invalid_media"


async def test_rupload_failure_is_retryable(fb: FB) -> None:
    fb.fakes.state.inject("facebook", "rupload", "server_error")
    with pytest.raises(Retryable) as err:
        await fb.adapter.publish(fb.ctx, fb.creds, fb.request("reel", "clip.mp4", post_type="reel"))
    assert not isinstance(err.value, UnknownOutcome)


async def test_unreachable_graph_is_retryable(fb: FB) -> None:
    ctx = replace(fb.ctx, base_url="http://127.0.0.1:9")  # nothing listens on the discard port
    with pytest.raises(Retryable) as err:
        await fb.adapter.publish(ctx, fb.creds, fb.request("offline"))
    assert not isinstance(err.value, UnknownOutcome) and "nothing was sent" in err.value.reason


@pytest.mark.parametrize(
    ("endpoint", "media", "options"),
    [
        ("feed", (), {}),
        ("photos", ("cat.png",), {}),
        ("videos", ("clip.mp4",), {}),
        ("video_reels", ("clip.mp4",), {"post_type": "reel"}),
    ],
)
async def test_answer_lost_after_commit_is_found_again(
    fb: FB, endpoint: str, media: tuple[str, ...], options: dict[str, str]
) -> None:
    since = clock.now() - timedelta(minutes=1)
    fb.fakes.state.inject("facebook", endpoint, "timeout_after_commit")
    fb.fakes.state.hang_seconds = 0.8
    req = fb.request(f"lost answer {endpoint}", *media, **options)
    async with httpx.AsyncClient(timeout=QUICK_GIVE_UP) as http:  # a quicker give-up
        with pytest.raises(UnknownOutcome) as err:
            await fb.adapter.publish(replace(fb.ctx, http=http), fb.creds, req)
    assert "may exist" in err.value.reason
    found = await fb.adapter.find_published(fb.ctx, fb.creds, req, since)
    assert found is not None
    created = objects(fb.fakes.state, "video" if "video" in endpoint else "post")
    assert [o.id for o in created] == [found.platform_post_id]
    assert found.public_url.startswith("https://www.facebook.com/")
    assert fb.creates(endpoint) == (2 if endpoint == "video_reels" else 1)  # reels: start + finish
