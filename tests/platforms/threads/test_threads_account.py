"""Login, tokens, whoami, delete and metrics against the Threads fake."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from tests.fakes.threads_store import LONG_LIVED, expire_token, posts, seed_account
from tests.platforms.threads.conftest import APP, TH

from lowtato.kit.clock import FrozenClock
from lowtato.platforms.base import OAuthApp
from lowtato.platforms.errors import AuthExpired, RefreshRefused, Rejected

REDIRECT = "https://lowtato.example/oauth/threads/callback"


async def _login(th: TH) -> str:
    url = th.adapter.authorize_url(
        th.ctx, APP, redirect_uri=REDIRECT, state="st", code_challenge="c"
    )
    response = await th.ctx.http.get(url)
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["state"] == ["st"]
    return query["code"][0]


async def test_authorize_url_asks_for_the_publishing_scopes_without_pkce(th: TH) -> None:
    url = th.adapter.authorize_url(
        th.ctx, APP, redirect_uri=REDIRECT, state="s", code_challenge="x"
    )
    assert url.startswith(f"{th.fakes.url}/threads/oauth/authorize?")
    query = parse_qs(urlsplit(url).query)
    scopes = query["scope"][0].split(",")
    assert {"threads_basic", "threads_content_publish", "threads_delete"} <= set(scopes)
    assert query["response_type"] == ["code"] and "code_challenge" not in query


async def test_code_exchange_gives_a_long_lived_token(th: TH) -> None:
    tokens = await th.adapter.exchange_code(
        th.ctx, APP, code=await _login(th), redirect_uri=REDIRECT, code_verifier=""
    )
    assert tokens.expires_in == LONG_LIVED and tokens.refresh_token is None
    assert th.db.tokens[tokens.access_token].expires_at is not None
    calls = [c["path"] for c in th.fakes.state.calls if c["path"].endswith("access_token")]
    assert calls == ["/threads/oauth/access_token", "/threads/access_token"]
    me = await th.adapter.whoami(th.ctx, replace(th.creds, access_token=tokens.access_token))
    assert (me.platform_user_id, me.username, me.fullname) == ("7001", "ada.bakes", "Ada")
    assert me.profile_image_url and me.profile_image_url.startswith("https://")


@pytest.mark.parametrize("problem", ["reused code", "wrong secret", "other redirect"])
async def test_refused_code_exchange_is_rejected(th: TH, problem: str) -> None:
    code, app, redirect = await _login(th), APP, REDIRECT
    if problem == "reused code":
        await th.adapter.exchange_code(
            th.ctx, APP, code=code, redirect_uri=REDIRECT, code_verifier=""
        )
    elif problem == "wrong secret":
        app = OAuthApp(APP.client_id, "nope")
    else:
        redirect = "https://elsewhere.example/cb"
    with pytest.raises(Rejected) as err:
        await th.adapter.exchange_code(
            th.ctx, app, code=code, redirect_uri=redirect, code_verifier=""
        )
    assert err.value.code == "oauth_failed"


async def test_refresh_gives_a_new_sixty_day_token(th: TH, frozen: FrozenClock) -> None:
    creds = replace(th.creds, expires_at=frozen.now() + timedelta(days=5))
    tokens = await th.adapter.refresh_token(th.ctx, creds)
    assert tokens.access_token != th.seeded.token and tokens.expires_in == LONG_LIVED
    (call,) = th.fakes.state.calls_to("threads", "GET", "/refresh_access_token")
    assert call["body"]["grant_type"] == "th_refresh_token"


async def test_a_token_under_a_day_old_is_kept_not_refreshed(th: TH, frozen: FrozenClock) -> None:
    creds = replace(th.creds, expires_at=frozen.now() + timedelta(days=59, hours=12))
    tokens = await th.adapter.refresh_token(th.ctx, creds)
    assert tokens.access_token == th.seeded.token and tokens.expires_in == int(
        timedelta(days=59, hours=12).total_seconds()
    )
    assert th.fakes.state.calls_to("threads", "GET", "/refresh_access_token") == []


async def test_refresh_refused_for_a_young_token_is_refresh_refused(th: TH) -> None:
    th.db.min_refresh_age = 86_400  # the platform's rule, when our expiry guess was wrong
    with pytest.raises(RefreshRefused):
        await th.adapter.refresh_token(th.ctx, th.creds)


async def test_expired_token_cannot_be_refreshed_or_used(th: TH) -> None:
    expire_token(th.fakes.state, th.seeded.token)
    with pytest.raises(AuthExpired) as err:
        await th.adapter.refresh_token(th.ctx, th.creds)
    assert err.value.kind == "expired"
    with pytest.raises(AuthExpired):
        await th.adapter.whoami(th.ctx, th.creds)


async def test_threads_has_no_subaccounts(th: TH) -> None:
    assert await th.adapter.list_subaccounts(th.ctx, th.creds) == []


async def test_delete_removes_the_post(th: TH) -> None:
    done = await th.adapter.publish(th.ctx, th.creds, th.request("gone soon"))
    await th.adapter.delete(th.ctx, th.creds, done.platform_post_id)
    assert posts(th.fakes.state) == []
    with pytest.raises(Rejected) as err:
        await th.adapter.delete(th.ctx, th.creds, done.platform_post_id)
    assert err.value.code == "not_found"


async def test_metrics_read_insights(th: TH) -> None:
    done = await th.adapter.publish(th.ctx, th.creds, th.request("count me"))
    th.db.posts[done.platform_post_id].insights = {
        "views": 120,
        "likes": 9,
        "replies": 3,
        "reposts": 2,
        "quotes": 1,
    }
    metrics = await th.adapter.fetch_metrics(th.ctx, th.creds, done.platform_post_id)
    assert (
        metrics.likes,
        metrics.comments,
        metrics.shares,
        metrics.views,
        metrics.impressions,
    ) == (9, 3, 3, 120, 120)


async def test_another_profiles_post_is_not_found(th: TH) -> None:
    other = seed_account(th.fakes.state, user_id="7002", username="bob")
    done = await th.adapter.publish(th.ctx, th.creds, th.request("mine"))
    with pytest.raises(Rejected) as err:
        await th.adapter.fetch_metrics(
            th.ctx, replace(th.creds, access_token=other.token), done.platform_post_id
        )
    assert err.value.code == "not_found"
