"""The TikTok adapter's account side against the fake: OAuth v2 (consent URL, code exchange),
who am I, refresh with rotation, metrics, garbage and refused token answers."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import pytest
from tests.fakes import tiktok_store as tt
from tests.platforms.tiktok.conftest import APP, TT

from lowtato.platforms.base import OAuthApp
from lowtato.platforms.errors import AuthExpired, RateLimited, Rejected, Retryable


async def test_consent_url_then_code_exchange_then_whoami(tiktok: TT) -> None:
    url = tiktok.adapter.authorize_url(
        tiktok.ctx, APP, redirect_uri="https://lowtato.test/cb", state="st4te", code_challenge="c"
    )
    parts = urlsplit(url)
    assert parts.path.endswith("/v2/auth/authorize/")
    query = parse_qs(parts.query)
    assert query["client_key"] == [tt.CLIENT_KEY] and query["state"] == ["st4te"]
    assert query["scope"] == ["user.info.basic,user.info.profile,video.publish,video.list"]
    assert "code_challenge" not in query  # web apps use the client secret (§5 Auth)
    approved = await tiktok.ctx.http.get(url)
    assert approved.status_code == 302
    code = parse_qs(urlsplit(approved.headers["location"]).query)["code"][0]
    tokens = await tiktok.adapter.exchange_code(
        tiktok.ctx, APP, code=code, redirect_uri="https://lowtato.test/cb", code_verifier="v"
    )
    assert tokens.expires_in == tt.TOKEN_TTL and tokens.refresh_token
    who = await tiktok.adapter.whoami(
        tiktok.ctx, replace(tiktok.creds, access_token=tokens.access_token)
    )
    assert (who.platform_user_id, who.username, who.fullname) == (
        tiktok.creator.open_id, "lowtato.fan", "Lowtato Fan",
    )  # fmt: skip
    assert await tiktok.adapter.list_subaccounts(tiktok.ctx, tiktok.creds) == []


async def test_a_used_code_or_wrong_redirect_fails_the_connection(tiktok: TT) -> None:
    with pytest.raises(Rejected) as caught:
        await tiktok.adapter.exchange_code(
            tiktok.ctx, APP, code="nope", redirect_uri="https://lowtato.test/cb", code_verifier=""
        )
    assert caught.value.code == "oauth_failed" and "invalid_grant" in caught.value.reason


async def test_wrong_client_secret_is_the_operators_problem(tiktok: TT) -> None:
    ctx = replace(tiktok.ctx, app=OAuthApp(tt.CLIENT_KEY, "wrong"))
    with pytest.raises(Rejected) as caught:
        await tiktok.adapter.refresh_token(ctx, tiktok.creds)
    assert caught.value.code == "oauth_client"


async def test_refresh_rotates_and_the_old_refresh_token_dies(tiktok: TT) -> None:
    first = await tiktok.adapter.refresh_token(tiktok.ctx, tiktok.creds)
    assert first.refresh_token and first.refresh_token != tiktok.creator.refresh_token
    assert first.access_token != tiktok.creator.token
    with pytest.raises(AuthExpired) as caught:  # the old one is spent
        await tiktok.adapter.refresh_token(tiktok.ctx, tiktok.creds)
    assert "invalid_grant" in caught.value.reason
    second = await tiktok.adapter.refresh_token(
        tiktok.ctx, replace(tiktok.creds, refresh_token=first.refresh_token)
    )
    who = await tiktok.adapter.whoami(
        tiktok.ctx, replace(tiktok.creds, access_token=second.access_token)
    )
    assert who.platform_user_id == tiktok.creator.open_id


async def test_refresh_without_refresh_token_or_app_asks_for_a_reconnect(tiktok: TT) -> None:
    with pytest.raises(AuthExpired):
        await tiktok.adapter.refresh_token(tiktok.ctx, replace(tiktok.creds, refresh_token=None))
    with pytest.raises(AuthExpired) as caught:
        await tiktok.adapter.refresh_token(replace(tiktok.ctx, app=None), tiktok.creds)
    assert "client key and secret" in caught.value.reason


@pytest.mark.parametrize(
    ("mode", "error"), [("rate_limit", RateLimited), ("server_error", Retryable)]
)
async def test_token_endpoint_trouble_is_not_a_disconnect(
    tiktok: TT, mode: str, error: type[Exception]
) -> None:
    tiktok.fakes.state.inject(tt.PLATFORM, "token", mode)
    with pytest.raises(error):
        await tiktok.adapter.refresh_token(tiktok.ctx, tiktok.creds)
    assert tiktok.creator.refresh_token in tiktok.db.refresh_tokens  # not spent


async def test_whoami_with_a_dead_token_is_auth_expired(tiktok: TT) -> None:
    tt.revoke(tiktok.fakes.state, tiktok.creator.token)
    with pytest.raises(AuthExpired) as caught:
        await tiktok.adapter.whoami(tiktok.ctx, tiktok.creds)
    assert caught.value.kind == "revoked"


async def test_metrics_of_a_published_video(tiktok: TT) -> None:
    published = await tiktok.adapter.publish(
        tiktok.ctx, tiktok.creds, tiktok.request("count me", "clip.mp4")
    )
    tiktok.db.posts[0].views = 42
    metrics = await tiktok.adapter.fetch_metrics(
        tiktok.ctx, tiktok.creds, published.platform_post_id
    )
    assert (metrics.views, metrics.likes, metrics.comments, metrics.shares) == (42, 2, 1, 0)
    (query,) = tiktok.calls("/v2/video/query/")
    assert query["body"] == {"filters": {"video_ids": [published.platform_post_id]}}
    with pytest.raises(Rejected) as caught:
        await tiktok.adapter.fetch_metrics(tiktok.ctx, tiktok.creds, "7399999999999999999")
    assert caught.value.code == "not_found"


async def test_metrics_of_a_post_still_in_moderation_are_empty(tiktok: TT) -> None:
    tiktok.db.moderation_polls = 50
    published = await tiktok.adapter.publish(
        tiktok.ctx, tiktok.creds, tiktok.request("in review", "clip.mp4")
    )
    metrics = await tiktok.adapter.fetch_metrics(
        tiktok.ctx, tiktok.creds, published.platform_post_id
    )
    assert (metrics.views, metrics.likes) == (None, None)
    assert tiktok.calls("/v2/video/query/") == []
