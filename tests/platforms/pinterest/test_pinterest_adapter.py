"""The Pinterest adapter against the contract fake (which checks requests against Pinterest's
OpenAPI document): each pin kind, reconcile, delete, metrics, tokens, boards, failures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from tests.fakes.fixtures import Fakes
from tests.fakes.pinterest import Seeded, data, expire, pins, seed_account
from tests.platforms.pinterest.conftest import APP

from lowtato.platforms.base import AdapterContext, Credentials, Media, PublishRequest
from lowtato.platforms.errors import (
    AuthExpired,
    RateLimited,
    Rejected,
    Retryable,
    UnknownOutcome,
)
from lowtato.platforms.pinterest.adapter import Adapter

PIN = "pinterest"


def request(text: str, media: list[Media], **options: Any) -> PublishRequest:
    return PublishRequest(post_id="post_1", text=text, media=media, options=options)


def image(url: str) -> Media:
    return Media(url, kind="image")


async def test_uploaded_image_pin_with_title_link_and_alt_text(
    adapter: Adapter, ctx: AdapterContext, creds: Credentials, user: Seeded, fakes: Fakes
) -> None:
    req = request("Best pasta", [image(fakes.media("cat.png"))], board_id=user.boards[0],
                  title="Pasta", link="https://example.com/pasta", alt_text="a plate")  # fmt: skip
    published = await adapter.publish(ctx, creds, req)
    (pin,) = pins(fakes.state)
    assert published.platform_post_id == pin["id"]
    assert published.public_url == f"https://www.pinterest.com/pin/{pin['id']}/"
    assert (pin["description"], pin["title"], pin["link"], pin["alt_text"]) == (
        "Best pasta", "Pasta", "https://example.com/pasta", "a plate")  # fmt: skip
    # a loopback URL Pinterest could not reach: the bytes went as base64
    assert pin["media_source"]["source_type"] == "image_base64"
    assert pin["media_source"]["content_type"] == "image/png"


async def test_public_image_urls_go_by_url(
    adapter: Adapter, ctx: AdapterContext, creds: Credentials, user: Seeded, fakes: Fakes
) -> None:
    one = request("one", [image("https://cdn.example.com/cat.png")], board_id=user.boards[0])
    await adapter.publish(ctx, creds, one)
    many = [image("https://cdn.example.com/cat.png"), image("https://cdn.example.com/dog.jpg")]
    await adapter.publish(ctx, creds, request("two", many, board_id=user.boards[0]))
    first, second = pins(fakes.state)
    assert first["media_source"] == {
        "source_type": "image_url",
        "url": "https://cdn.example.com/cat.png",
    }
    assert second["media_source"]["source_type"] == "multiple_image_urls"
    assert [i["url"] for i in second["media_source"]["items"]] == [m.url for m in many]


async def test_unreachable_url_is_rejected(
    adapter: Adapter, ctx: AdapterContext, creds: Credentials, user: Seeded
) -> None:
    req = request("x", [image("https://cdn.example.com/missing.png")], board_id=user.boards[0])
    with pytest.raises(Rejected, match="could not reach the URL") as caught:
        await adapter.publish(ctx, creds, req)
    assert caught.value.code == "invalid_request"


async def test_uploaded_multi_image_pin(
    adapter: Adapter, ctx: AdapterContext, creds: Credentials, user: Seeded, fakes: Fakes
) -> None:
    media = [image(fakes.media("cat.png")), image(fakes.media("dog.jpg"))]
    await adapter.publish(ctx, creds, request("", media, board_id=user.boards[1]))
    (pin,) = pins(fakes.state)
    assert pin["media_source"]["source_type"] == "multiple_image_base64"
    assert [i["content_type"] for i in pin["media_source"]["items"]] == ["image/png", "image/jpeg"]
    assert pin["description"] is None


async def test_video_pin_uploads_polls_and_sets_a_cover(
    adapter: Adapter, ctx: AdapterContext, creds: Credentials, user: Seeded, fakes: Fakes
) -> None:
    fakes.state.inject(PIN, "media.get", "slow_processing", 2)
    video = Media(fakes.media("clip.mp4"), kind="video")
    await adapter.publish(ctx, creds, request("clip", [video], board_id=user.boards[0]))
    (pin,) = pins(fakes.state)
    source = pin["media_source"]
    assert source["source_type"] == "video_id" and source["cover_image_key_frame_time"] == 0
    assert data(fakes.state).media[source["media_id"]]["size"] > 0
    assert len(fakes.state.calls_to(PIN, "GET", f"/media/{source['media_id']}")) >= 3
    upload = fakes.state.calls_to(PIN, "POST", f"/upload/{source['media_id']}")
    assert list(upload[0]["body"])[-1] == "file"


async def test_video_processing_failure_is_rejected_before_any_pin(
    adapter: Adapter, ctx: AdapterContext, creds: Credentials, user: Seeded, fakes: Fakes
) -> None:
    fakes.state.inject(PIN, "media.get", "processing_failed")
    video = Media(fakes.media("clip.mp4"), kind="video")
    with pytest.raises(Rejected) as caught:
        await adapter.publish(ctx, creds, request("clip", [video], board_id=user.boards[0]))
    assert caught.value.code == "invalid_media" and pins(fakes.state) == []


async def test_video_still_processing_is_retried(
    ctx: AdapterContext, creds: Credentials, user: Seeded, fakes: Fakes
) -> None:
    fakes.state.inject(PIN, "media.get", "slow_processing", 10)
    video = Media(fakes.media("clip.mp4"), kind="video")
    with pytest.raises(Retryable, match="still processing"):
        await Adapter(APP, poll_delays=(0, 0)).publish(
            ctx, creds, request("clip", [video], board_id=user.boards[0])
        )
    assert pins(fakes.state) == []


async def test_board_of_another_user_is_not_found(
    adapter: Adapter, ctx: AdapterContext, creds: Credentials, fakes: Fakes
) -> None:
    other = seed_account(fakes.state, "someone_else")
    req = request("x", [image(fakes.media("cat.png"))], board_id=other.boards[0])
    with pytest.raises(Rejected, match=r"Board not found.*subaccounts") as caught:
        await adapter.publish(ctx, creds, req)
    assert caught.value.code == "not_found"


async def test_spec_violations_are_refused_by_the_fake(
    ctx: AdapterContext, creds: Credentials, fakes: Fakes
) -> None:
    response = await ctx.http.post(f"{ctx.base_url}/pins", headers={"Authorization": f"Bearer {creds.access_token}"},
                                   json={"board_id": "12a", "title": "t" * 101,
                                         "media_source": {"source_type": "multiple_image_urls", "items": [{"url": "u"}]}})  # fmt: skip
    assert response.status_code == 400
    message = response.json()["message"]
    assert "board_id: '12a' does not match" in message and "is too long" in message
    response = await ctx.http.get(f"{ctx.base_url}/boards", params={"page_size": 500, "bogus": 1},
                                  headers={"Authorization": f"Bearer {creds.access_token}"})  # fmt: skip
    assert response.status_code == 400
    assert "bogus: unknown query parameter" in response.json()["message"]
    assert "page_size" in response.json()["message"]


async def test_lost_answer_is_unknown_then_found(
    adapter: Adapter, ctx: AdapterContext, creds: Credentials, user: Seeded, fakes: Fakes
) -> None:
    fakes.state.inject(PIN, "pins.create", "timeout_after_commit")
    req = request("lost pin", [image(fakes.media("cat.png"))], board_id=user.boards[0], title="T")
    since = datetime.now(UTC) - timedelta(seconds=1)
    with pytest.raises(UnknownOutcome):
        await adapter.publish(ctx, creds, req)
    found = await adapter.find_published(ctx, creds, req, since)
    (pin,) = pins(fakes.state)
    assert found is not None and found.platform_post_id == pin["id"]
    other = request("lost pin", [image(fakes.media("cat.png"))], board_id=user.boards[0], title="U")
    assert await adapter.find_published(ctx, creds, other, since) is None


async def test_failures_map_to_the_taxonomy(
    adapter: Adapter, ctx: AdapterContext, creds: Credentials, user: Seeded, fakes: Fakes
) -> None:
    req = request("x", [image(fakes.media("cat.png"))], board_id=user.boards[0])
    fakes.state.inject(PIN, "pins.create", "rate_limit")
    with pytest.raises(RateLimited) as limited:
        await adapter.publish(ctx, creds, req)
    assert limited.value.after == 30
    fakes.state.inject(PIN, "pins.create", "server_error")
    with pytest.raises(UnknownOutcome):
        await adapter.publish(ctx, creds, req)
    fakes.state.inject(PIN, "boards", "server_error")
    with pytest.raises(Retryable):
        await adapter.list_subaccounts(ctx, creds)
    expire(fakes.state, user.token)
    with pytest.raises(AuthExpired):
        await adapter.publish(ctx, creds, req)
    assert pins(fakes.state) == []


async def test_delete_and_metrics(
    adapter: Adapter, ctx: AdapterContext, creds: Credentials, user: Seeded, fakes: Fakes
) -> None:
    req = request("x", [image(fakes.media("cat.png"))], board_id=user.boards[0])
    published = await adapter.publish(ctx, creds, req)
    metrics = await adapter.fetch_metrics(ctx, creds, published.platform_post_id)
    assert (metrics.impressions, metrics.likes, metrics.comments, metrics.shares) == (120, 11, 2, 7)
    await adapter.delete(ctx, creds, published.platform_post_id)
    assert pins(fakes.state) == []
    with pytest.raises(Rejected) as caught:
        await adapter.delete(ctx, creds, published.platform_post_id)
    assert caught.value.code == "not_found"


async def test_whoami_and_boards(
    adapter: Adapter, ctx: AdapterContext, creds: Credentials, user: Seeded, fakes: Fakes
) -> None:
    who = await adapter.whoami(ctx, creds)
    assert (who.platform_user_id, who.username) == (user.user_id, "lowtato_pins")
    boards = await adapter.list_subaccounts(ctx, creds)
    assert [(b.external_id, b.name, b.type) for b in boards] == [
        (user.boards[0], "Recipes", "pinterest_board"), (user.boards[1], "Travel", "pinterest_board")]  # fmt: skip
    expire(fakes.state, user.token)
    with pytest.raises(AuthExpired):
        await adapter.whoami(ctx, creds)


async def test_refresh_rotates_and_the_old_refresh_token_dies(
    adapter: Adapter, ctx: AdapterContext, creds: Credentials
) -> None:
    fresh = await adapter.refresh_token(ctx, creds)
    assert fresh.refresh_token and fresh.refresh_token != creds.refresh_token
    assert fresh.expires_in == 30 * 86400
    newer = Credentials(
        creds.platform_user_id, creds.username, fresh.access_token, fresh.refresh_token
    )
    assert (await adapter.whoami(ctx, newer)).username == creds.username
    with pytest.raises(AuthExpired):
        await adapter.refresh_token(ctx, creds)  # the spent one


async def test_oauth_link_and_code_exchange(
    adapter: Adapter, ctx: AdapterContext, user: Seeded
) -> None:
    url = adapter.authorize_url(
        ctx, APP, redirect_uri="https://app.example/cb", state="s1", code_challenge="c"
    )
    query = parse_qs(urlsplit(url).query)
    assert query["scope"] == ["boards:read,boards:write,pins:read,pins:write,user_accounts:read"]
    answer = await ctx.http.get(url)
    assert answer.status_code == 302
    back = parse_qs(urlsplit(answer.headers["location"]).query)
    assert back["state"] == ["s1"]
    tokens = await adapter.exchange_code(
        ctx, APP, code=back["code"][0], redirect_uri="https://app.example/cb", code_verifier="v"
    )
    who = await adapter.whoami(ctx, Credentials("", "", tokens.access_token))
    assert who.platform_user_id == user.user_id and tokens.refresh_token
    with pytest.raises(Rejected) as caught:  # a code works once
        await adapter.exchange_code(
            ctx, APP, code=back["code"][0], redirect_uri="https://app.example/cb", code_verifier="v"
        )
    assert caught.value.code == "oauth_failed"
