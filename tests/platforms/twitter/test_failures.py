"""Every failure X can answer maps to the right taxonomy error (docs/reference/platforms.md §2 Errors, §11)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import httpx
import pytest
from tests.fakes.x import seed_account
from tests.platforms.twitter.conftest import X

from lowtato.kit.clock import FrozenClock
from lowtato.platforms.base import AdapterContext, PublishRequest
from lowtato.platforms.errors import (
    AuthExpired,
    PlatformError,
    RateLimited,
    Rejected,
    Retryable,
    UnknownOutcome,
)
from lowtato.platforms.twitter.client import rate_limit_wait


def request(text: str = "hello", **kw: object) -> PublishRequest:
    return PublishRequest(post_id="post_1", text=text, media=[], options={}, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("mode", "error", "code", "words"),
    [
        ("rate_limit", RateLimited, "rate_limited", "rate limit"),
        ("auth_expired", AuthExpired, "token_expired", "access token"),
        ("auth_revoked", AuthExpired, "token_expired", "access token"),
        ("duplicate", Rejected, "duplicate", "duplicate content"),
        ("policy", Rejected, "content_rejected", "not permitted"),
        ("server_error", UnknownOutcome, "unknown_outcome", "may have been created"),
    ],
)
async def test_create_failures(
    x: X, mode: str, error: type[PlatformError], code: str, words: str
) -> None:
    x.fakes.state.inject("x", "tweets", mode)
    with pytest.raises(error, match=words) as caught:
        await x.adapter.publish(x.ctx, x.creds, request())
    assert caught.value.code == code
    assert x.store.tweets == {}


async def test_rate_limit_waits_until_the_reset_header(x: X) -> None:
    x.fakes.state.inject("x", "tweets", "rate_limit")
    with pytest.raises(RateLimited) as caught:
        await x.adapter.publish(x.ctx, x.creds, request())
    assert caught.value.after == 900  # the fake's 15-minute window opened just now
    call = x.fakes.state.calls_to("x", "POST", "/2/tweets")
    assert len(call) == 1


async def test_exhausted_window_is_rate_limited_by_the_fake_itself(
    x: X, frozen: FrozenClock
) -> None:
    window = x.store.windows.setdefault(("1001", "tweets"), [frozen.now().timestamp() + 60, 100])
    assert window[1] == 100
    with pytest.raises(RateLimited) as caught:
        await x.adapter.publish(x.ctx, x.creds, request())
    assert caught.value.after == 60


def test_the_latest_exhausted_reset_wins(frozen: FrozenClock) -> None:
    now = int(frozen.now().timestamp())
    headers = {
        "x-rate-limit-remaining": "3", "x-rate-limit-reset": str(now + 100),
        "x-user-limit-24hour-remaining": "0", "x-user-limit-24hour-reset": str(now + 5000),
        "x-app-limit-24hour-remaining": "10", "x-app-limit-24hour-reset": str(now + 9000),
    }  # fmt: skip
    assert rate_limit_wait(httpx.Response(429, headers=headers)) == 5000
    assert rate_limit_wait(httpx.Response(429, headers={"x-rate-limit-reset": str(now + 7)})) == 7
    assert rate_limit_wait(httpx.Response(429)) == 900


async def test_answer_lost_after_commit_is_unknown_then_found(x: X, frozen: FrozenClock) -> None:
    since = frozen.now() - timedelta(minutes=1)
    x.fakes.state.hang_seconds = 1.5
    x.fakes.state.inject("x", "tweets", "timeout_after_commit")
    req = request("did it go out?")
    with pytest.raises(UnknownOutcome):
        await x.adapter.publish(x.ctx, x.creds, req)
    (created,) = x.store.tweets.values()
    found = await x.adapter.find_published(x.ctx, x.creds, req, since)
    assert found is not None and found.platform_post_id == created.id
    assert found.public_url == f"https://x.com/lowtato_fan/status/{created.id}"


@pytest.mark.parametrize(
    ("endpoint", "mode", "error"),
    [
        ("media_upload", "server_error", Retryable),
        ("media_upload", "policy", Rejected),
        ("media_initialize", "auth_expired", AuthExpired),
        ("media_append", "rate_limit", RateLimited),
        ("media_finalize", "server_error", Retryable),
        ("media_status", "server_error", Retryable),
    ],
)
async def test_media_failures_are_never_unknown(
    x: X, endpoint: str, mode: str, error: type[PlatformError]
) -> None:
    x.fakes.state.inject("x", endpoint, mode)
    media = x.media("cat.png") if endpoint == "media_upload" else x.media("clip.mp4")
    with pytest.raises(error):
        await x.adapter.publish(x.ctx, x.creds, PublishRequest("p", "m", media, {}))
    assert x.fakes.state.calls_to("x", "POST", "/2/tweets") == []


async def test_unreachable_x_is_retryable(x: X) -> None:
    ctx = AdapterContext(x.ctx.http, "http://127.0.0.1:9", fetch=x.ctx.fetch)
    with pytest.raises(Retryable, match="could not reach X"):
        await x.adapter.publish(ctx, x.creds, request())


async def test_missing_token_is_auth_expired(x: X) -> None:
    with pytest.raises(AuthExpired, match="no access token"):
        await x.adapter.publish(x.ctx, replace(x.creds, access_token=None), request())


async def test_expired_token_is_auth_expired(x: X, frozen: FrozenClock) -> None:
    frozen.advance(timedelta(hours=2, seconds=1))  # X access tokens live 7200 s
    with pytest.raises(AuthExpired):
        await x.adapter.whoami(x.ctx, x.creds)


async def test_missing_scope_is_permission_missing(x: X) -> None:
    token, _ = seed_account(x.fakes.state, scopes="tweet.read users.read")
    with pytest.raises(Rejected, match="scope") as caught:
        await x.adapter.publish(x.ctx, replace(x.creds, access_token=token), request())
    assert caught.value.code == "permission_missing"
