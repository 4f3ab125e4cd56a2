"""Login, tokens, Pages, reconciliation lookups, delete and metrics against the Graph fake."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from tests.fakes.facebook_graph import (
    LONG_LIVED,
    Obj,
    expire_token,
    objects,
    seed_account,
    set_engagement,
)
from tests.platforms.facebook.conftest import APP, FB, PAGE_ID, USER_ID

from lowtato.kit import clock
from lowtato.platforms.base import OAuthApp
from lowtato.platforms.errors import AuthExpired, RateLimited, Rejected
from lowtato.platforms.facebook.adapter import FacebookAdapter

REDIRECT = "https://lowtato.example/oauth/facebook/callback"


async def _login(fb: FB, state: str = "st4te") -> str:
    """Open the dialog like a browser and return the code from the redirect."""
    url = fb.adapter.authorize_url(
        fb.ctx, APP, redirect_uri=REDIRECT, state=state, code_challenge="c" * 43
    )
    response = await fb.ctx.http.get(url)
    assert response.status_code == 302
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    assert location.fragment == "_=_"  # Facebook's redirect quirk
    query = parse_qs(location.query)
    assert query["state"] == [state]
    return query["code"][0]


async def test_authorize_url_is_the_versioned_login_dialog_without_pkce(fb: FB) -> None:
    url = fb.adapter.authorize_url(
        fb.ctx, APP, redirect_uri=REDIRECT, state="s", code_challenge="abc"
    )
    parts = urlsplit(url)
    assert url.startswith(f"{fb.fakes.url}/meta/v23.0/dialog/oauth?")
    query = parse_qs(parts.query)
    assert query["client_id"] == ["facebook-client-id"] and query["redirect_uri"] == [REDIRECT]
    assert "pages_manage_posts" in query["scope"][0].split(",")
    assert "code_challenge" not in query


async def test_code_exchange_gives_a_long_lived_user_token_and_lasting_page_tokens(fb: FB) -> None:
    code = await _login(fb)
    tokens = await fb.adapter.exchange_code(
        fb.ctx, APP, code=code, redirect_uri=REDIRECT, code_verifier="v"
    )
    assert tokens.expires_in == LONG_LIVED and tokens.refresh_token is None
    grants = [
        c["body"].get("grant_type")
        for c in fb.fakes.state.calls_to("facebook", "GET", "/oauth/access_token")
    ]
    assert grants == [None, "fb_exchange_token"]  # code first, then the long-lived exchange
    creds = replace(fb.user_creds(), access_token=tokens.access_token)
    (page,) = await fb.adapter.list_subaccounts(fb.ctx, creds)
    assert (page.external_id, page.name, page.type) == (PAGE_ID, "Ada's Bakery", "facebook_page")
    assert page.access_token and fb.db.tokens[page.access_token].expires_at is None


@pytest.mark.parametrize("problem", ["reused code", "wrong secret", "other redirect"])
async def test_refused_code_exchange_is_rejected_not_retried(fb: FB, problem: str) -> None:
    code = await _login(fb)
    app, redirect = APP, REDIRECT
    if problem == "reused code":
        await fb.adapter.exchange_code(
            fb.ctx, APP, code=code, redirect_uri=REDIRECT, code_verifier=""
        )
    elif problem == "wrong secret":
        app = OAuthApp(APP.client_id, "nope")
    else:
        redirect = "https://elsewhere.example/cb"
    with pytest.raises(Rejected) as err:
        await fb.adapter.exchange_code(
            fb.ctx, app, code=code, redirect_uri=redirect, code_verifier=""
        )
    assert err.value.code == "oauth_failed"


async def test_pages_without_create_content_are_not_offered(fb: FB) -> None:
    seeded = seed_account(
        fb.fakes.state, user_id="100009", pages=(("200009", "Read only"),), tasks=("ANALYZE",)
    )
    creds = replace(fb.user_creds(), access_token=seeded.user_token)
    assert await fb.adapter.list_subaccounts(fb.ctx, creds) == []


async def test_whoami_reads_me(fb: FB) -> None:
    me = await fb.adapter.whoami(fb.ctx, fb.user_creds())
    assert (me.platform_user_id, me.username, me.fullname) == (
        USER_ID,
        "Ada Lovelace",
        "Ada Lovelace",
    )
    assert me.profile_image_url and me.profile_image_url.startswith("https://")


async def test_expired_user_token_is_auth_expired(fb: FB) -> None:
    expire_token(fb.fakes.state, fb.seeded.user_token)
    with pytest.raises(AuthExpired) as err:
        await fb.adapter.whoami(fb.ctx, fb.user_creds())
    assert "463" in err.value.reason and "Reconnect" in err.value.reason


async def test_app_rate_limit_without_estimate_waits_a_few_minutes(fb: FB) -> None:
    fb.fakes.state.inject("facebook", "me", "rate_limit")
    with pytest.raises(RateLimited) as err:
        await fb.adapter.whoami(fb.ctx, fb.user_creds())
    assert err.value.after == 300.0  # X-App-Usage at 100 %, no regain estimate


async def test_refresh_reexchanges_the_long_lived_token(fb: FB) -> None:
    adapter = FacebookAdapter(APP)
    tokens = await adapter.refresh_token(fb.ctx, fb.user_creds())
    assert tokens.access_token != fb.seeded.user_token and tokens.expires_in == LONG_LIVED
    assert fb.db.tokens[tokens.access_token].user_id == USER_ID
    expire_token(fb.fakes.state, tokens.access_token)
    with pytest.raises(AuthExpired):  # past expiry only a new login helps
        await adapter.refresh_token(
            fb.ctx, replace(fb.user_creds(), access_token=tokens.access_token)
        )


async def test_refresh_without_app_credentials_keeps_the_token(fb: FB) -> None:
    creds = fb.user_creds(expires_at=clock.now() + timedelta(minutes=3))
    tokens = await fb.adapter.refresh_token(fb.ctx, creds)
    assert tokens.access_token == fb.seeded.user_token and 0 < (tokens.expires_in or 0) <= 180
    assert fb.fakes.state.calls == []


async def test_find_published_matches_text_since_and_media(fb: FB) -> None:
    since = clock.now() - timedelta(minutes=1)
    text_req, photo_req = fb.request("find me"), fb.request("with photo", "cat.png")
    await fb.adapter.publish(fb.ctx, fb.creds, text_req)
    await fb.adapter.publish(fb.ctx, fb.creds, photo_req)
    (text_post, photo_post) = objects(fb.fakes.state, "post")
    found = await fb.adapter.find_published(fb.ctx, fb.creds, text_req, since)
    assert found is not None and found.platform_post_id == text_post.id
    found = await fb.adapter.find_published(fb.ctx, fb.creds, photo_req, since)
    assert found is not None and found.platform_post_id == photo_post.id
    assert (
        await fb.adapter.find_published(fb.ctx, fb.creds, fb.request("never sent"), since) is None
    )
    with_photo = fb.request("find me", "cat.png")  # our text, but a post without our photo
    assert await fb.adapter.find_published(fb.ctx, fb.creds, with_photo, since) is None
    later = clock.now() + timedelta(minutes=5)
    assert await fb.adapter.find_published(fb.ctx, fb.creds, text_req, later) is None


async def test_find_published_follows_paging(fb: FB) -> None:
    since = clock.now() - timedelta(minutes=1)
    for i in range(30):  # more than one page of 25, oldest first
        post = Obj(f"{PAGE_ID}_{fb.db.new_id()}", "post", PAGE_ID, message=f"post {i}")
        post.created = time.time() - 30 + i
        fb.db.objects[post.id] = post
    found = await fb.adapter.find_published(fb.ctx, fb.creds, fb.request("post 0"), since)
    assert found is not None and found.platform_post_id == objects(fb.fakes.state, "post")[0].id
    assert len(fb.fakes.state.calls_to("facebook", "GET", f"/{PAGE_ID}/posts")) == 2


async def test_delete_removes_the_post_and_a_second_delete_is_not_found(fb: FB) -> None:
    published = await fb.adapter.publish(fb.ctx, fb.creds, fb.request("to delete"))
    await fb.adapter.delete(fb.ctx, fb.creds, published.platform_post_id)
    assert objects(fb.fakes.state, "post") == []
    with pytest.raises(Rejected) as err:
        await fb.adapter.delete(fb.ctx, fb.creds, published.platform_post_id)
    assert err.value.code == "not_found"


async def test_delete_with_only_the_user_token_finds_the_page_token(fb: FB) -> None:
    published = await fb.adapter.publish(fb.ctx, fb.creds, fb.request("user deletes"))
    await fb.adapter.delete(fb.ctx, fb.user_creds(), published.platform_post_id)
    assert objects(fb.fakes.state, "post") == []


async def test_metrics_of_a_post_and_of_a_video(fb: FB) -> None:
    post = await fb.adapter.publish(fb.ctx, fb.creds, fb.request("popular"))
    set_engagement(fb.fakes.state, post.platform_post_id, reactions=12, comments=3, shares=2)
    metrics = await fb.adapter.fetch_metrics(fb.ctx, fb.creds, post.platform_post_id)
    assert (metrics.likes, metrics.comments, metrics.shares) == (12, 3, 2)
    video = await fb.adapter.publish(fb.ctx, fb.creds, fb.request("watch", "clip.mp4"))
    set_engagement(fb.fakes.state, video.platform_post_id, reactions=5)
    metrics = await fb.adapter.fetch_metrics(fb.ctx, fb.creds, video.platform_post_id)
    assert (metrics.likes, metrics.comments, metrics.shares) == (5, 0, None)


async def test_metrics_without_shares_yet_count_zero(fb: FB) -> None:
    post = await fb.adapter.publish(fb.ctx, fb.creds, fb.request("quiet"))
    metrics = await fb.adapter.fetch_metrics(fb.ctx, fb.creds, post.platform_post_id)
    assert (metrics.likes, metrics.comments, metrics.shares) == (0, 0, 0)


async def test_fake_refuses_unknown_fields_and_other_versions(fb: FB) -> None:
    async with httpx.AsyncClient() as client:
        headers = {"Authorization": f"Bearer {fb.seeded.user_token}"}
        bad = await client.get(
            f"{fb.fakes.url}/meta/v23.0/me", params={"fields": "id,nope"}, headers=headers
        )
        old = await client.get(f"{fb.fakes.url}/meta/v19.0/me", headers=headers)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == 100
    assert set(bad.json()["error"]) >= {"message", "type", "code", "fbtrace_id"}
    assert "x-app-usage" in bad.headers
    assert old.status_code == 400
