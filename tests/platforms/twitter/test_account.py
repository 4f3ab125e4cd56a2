"""OAuth, identity, tokens, metrics, delete and reconciliation of the X adapter, against the fake."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from tests.fakes.x import CLIENT_ID, CLIENT_SECRET, Tweet
from tests.platforms.twitter.conftest import X

from lowtato.kit.clock import FrozenClock
from lowtato.platforms.base import Metrics, OAuthApp, PublishRequest
from lowtato.platforms.errors import AuthExpired, RefreshRefused, Rejected

APP = OAuthApp(CLIENT_ID, CLIENT_SECRET)
REDIRECT = "https://lowtato.example/oauth/twitter/callback"


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def authorize(x: X, challenge: str) -> str:
    url = x.adapter.authorize_url(
        x.ctx, APP, redirect_uri=REDIRECT, state="st-123", code_challenge=challenge
    )
    response = await x.ctx.http.get(url)
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["location"])
    query = parse_qs(location.query)
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    assert query["state"] == ["st-123"]
    return query["code"][0]


async def test_authorize_url_asks_for_publishing_scopes_with_pkce(x: X) -> None:
    url = x.adapter.authorize_url(x.ctx, APP, redirect_uri=REDIRECT, state="s", code_challenge="c")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{x.fakes.url}/x/i/oauth2/authorize"
    query = parse_qs(parts.query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["client_id"] == [CLIENT_ID] and query["redirect_uri"] == [REDIRECT]
    assert set(query["scope"][0].split()) == {
        "tweet.read", "tweet.write", "users.read", "media.write", "offline.access",
    }  # fmt: skip
    assert "%20" in parts.query  # scopes space-separated, percent-encoded


async def test_code_exchange_checks_the_verifier_and_yields_working_tokens(x: X) -> None:
    verifier, challenge = pkce()
    code = await authorize(x, challenge)
    tokens = await x.adapter.exchange_code(
        x.ctx, APP, code=code, redirect_uri=REDIRECT, code_verifier=verifier
    )
    assert tokens.expires_in == 7200 and tokens.refresh_token
    (call,) = x.fakes.state.calls_to("x", "POST", "/2/oauth2/token")
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert call["headers"]["authorization"] == f"Basic {basic}"
    me = await x.adapter.whoami(x.ctx, replace(x.creds, access_token=tokens.access_token))
    assert me.platform_user_id == "1001"


async def test_code_exchange_with_a_wrong_verifier_is_refused(x: X) -> None:
    _, challenge = pkce()
    code = await authorize(x, challenge)
    with pytest.raises(Rejected, match="invalid_request") as caught:
        await x.adapter.exchange_code(
            x.ctx, APP, code=code, redirect_uri=REDIRECT, code_verifier="not-the-verifier"
        )
    assert caught.value.code == "oauth_failed"


async def test_authorize_page_refuses_an_unknown_client(x: X) -> None:
    other = OAuthApp("someone-else", "secret")
    url = x.adapter.authorize_url(
        x.ctx, other, redirect_uri=REDIRECT, state="s", code_challenge="c"
    )
    response = await x.ctx.http.get(url)
    assert response.status_code == 400 and "unknown client_id" in response.text


async def test_refresh_rotates_the_refresh_token(x: X) -> None:
    tokens = await x.adapter.refresh_token(x.ctx, x.creds, APP)
    assert tokens.refresh_token and tokens.refresh_token != x.refresh_token
    assert tokens.expires_in == 7200
    me = await x.adapter.whoami(x.ctx, replace(x.creds, access_token=tokens.access_token))
    assert me.username == "lowtato_fan"
    with pytest.raises(AuthExpired, match="invalid_request"):  # the old one is spent
        await x.adapter.refresh_token(x.ctx, x.creds, APP)


async def test_refresh_without_client_credentials_is_refused(x: X) -> None:
    # The shared interface passes no OAuthApp to refresh_token; X then refuses the refresh.
    # Not a dead grant (the server's app credentials are at fault): a bounded retry, not an
    # instant disconnect (accounts.tokens).
    with pytest.raises(RefreshRefused, match="unauthorized_client"):
        await x.adapter.refresh_token(x.ctx, x.creds)


async def test_refresh_without_refresh_token_asks_for_reconnect(x: X) -> None:
    with pytest.raises(AuthExpired, match=r"offline\.access"):
        await x.adapter.refresh_token(x.ctx, replace(x.creds, refresh_token=None), APP)


async def test_whoami_and_subaccounts(x: X) -> None:
    me = await x.adapter.whoami(x.ctx, x.creds)
    assert (me.platform_user_id, me.username, me.fullname) == ("1001", "lowtato_fan", "lowtato_fan")
    assert me.profile_image_url and me.profile_image_url.startswith("https://pbs.twimg.com/")
    assert await x.adapter.list_subaccounts(x.ctx, x.creds) == []


async def test_delete_then_delete_again(x: X) -> None:
    published = await x.adapter.publish(x.ctx, x.creds, PublishRequest("p", "bye", [], {}))
    await x.adapter.delete(x.ctx, x.creds, published.platform_post_id)
    assert x.store.tweets[published.platform_post_id].deleted
    with pytest.raises(Rejected) as caught:
        await x.adapter.delete(x.ctx, x.creds, published.platform_post_id)
    assert caught.value.code == "not_found"


async def test_metrics_from_public_metrics(x: X) -> None:
    post = (
        await x.adapter.publish(x.ctx, x.creds, PublishRequest("p", "m", [], {}))
    ).platform_post_id
    x.store.tweets[post].metrics.update(
        like_count=7, reply_count=2, repost_count=3, quote_count=1, impression_count=420
    )
    metrics = await x.adapter.fetch_metrics(x.ctx, x.creds, post)
    assert metrics == Metrics(likes=7, comments=2, shares=4, impressions=420)
    # (the fake returns public_metrics only when post.fields asks for them)
    # Live payloads have named reposts retweet_count.
    x.store.tweets[post].metrics = {"retweet_count": 5, "like_count": 1}
    legacy = await x.adapter.fetch_metrics(x.ctx, x.creds, post)
    assert (legacy.shares, legacy.likes, legacy.comments) == (5, 1, None)


async def test_metrics_of_a_missing_post_is_not_found(x: X) -> None:
    with pytest.raises(Rejected, match="Could not find tweet") as caught:
        await x.adapter.fetch_metrics(x.ctx, x.creds, "1234567890123456789")
    assert caught.value.code == "not_found"


async def test_find_published_undoes_tco_links_media_links_and_escaping(
    x: X, frozen: FrozenClock
) -> None:
    since = frozen.now() - timedelta(minutes=1)
    text = "Fish & chips <3 at https://example.com/menu?a=1 and lowtato.com"
    req = PublishRequest("p", text, x.media("cat.png"), {"thread": ["more"], "first_comment": "c"})
    published = await x.adapter.publish(x.ctx, x.creds, replace(req, options={}))
    rendered = await x.ctx.http.get(
        f"{x.fakes.url}/x/2/tweets/{published.platform_post_id}",
        params={"post.fields": "entities"},
        headers={"Authorization": f"Bearer {x.access_token}"},
    )
    assert "https://t.co/" in rendered.json()["data"]["text"]
    assert "&amp;" in rendered.json()["data"]["text"]
    found = await x.adapter.find_published(x.ctx, x.creds, req, since)
    assert found is not None and found.platform_post_id == published.platform_post_id
    assert "thread items were not published" in found.extra["thread_error"]
    assert "first comment was not published" in found.extra["first_comment_error"]


async def test_find_published_ignores_other_and_older_posts(x: X, frozen: FrozenClock) -> None:
    await x.adapter.publish(x.ctx, x.creds, PublishRequest("p", "old one", [], {}))
    frozen.advance(timedelta(minutes=10))
    await x.adapter.publish(x.ctx, x.creds, PublishRequest("p", "other text", [], {}))
    since = frozen.now() - timedelta(minutes=1)
    assert (
        await x.adapter.find_published(
            x.ctx, x.creds, PublishRequest("p", "old one", [], {}), since
        )
        is None
    )
    with_media = PublishRequest("p", "other text", x.media("cat.png"), {})
    assert await x.adapter.find_published(x.ctx, x.creds, with_media, since) is None


async def test_find_published_reads_further_pages(x: X, frozen: FrozenClock) -> None:
    now = frozen.now()
    target = Tweet(x.store.new_id(), "1001", "needle", now, [])
    x.store.tweets[target.id] = target
    for n in range(150):  # newer posts push the target to the second page
        tweet = Tweet(x.store.new_id(), "1001", f"hay {n}", now, [])
        x.store.tweets[tweet.id] = tweet
    since = datetime(2020, 1, 1, tzinfo=UTC)
    found = await x.adapter.find_published(
        x.ctx, x.creds, PublishRequest("p", "needle", [], {}), since
    )
    assert found is not None and found.platform_post_id == target.id
    assert len(x.fakes.state.calls_to("x", "GET", "/2/users/1001/tweets")) == 2


async def test_the_fake_refuses_inputs_the_openapi_document_does_not_declare(x: X) -> None:
    """X answers 400 to parameters an operation does not declare (`tweet.fields` was renamed
    `post.fields`); the fake does the same, so the adapter cannot drift from the document."""
    auth = {"Authorization": f"Bearer {x.access_token}"}
    post = (
        await x.adapter.publish(x.ctx, x.creds, PublishRequest("p", "m", [], {}))
    ).platform_post_id
    refused = await x.ctx.http.get(
        f"{x.fakes.url}/x/2/tweets/{post}", params={"tweet.fields": "entities"}, headers=auth
    )
    assert refused.status_code == 400
    body = refused.json()
    assert body["title"] == "Invalid Request"
    assert body["type"] == "https://api.twitter.com/2/problems/invalid-request"
    assert body["errors"][0]["parameters"] == {"tweet.fields": ["entities"]}
    assert "[tweet.fields] is not one of" in body["errors"][0]["message"]
    upload = await x.ctx.http.post(
        f"{x.fakes.url}/x/2/media/upload",
        data={"media_category": "tweet_image", "media_type": "image/png"},
        files={"media": ("m.png", b"\x89PNG" + b"0" * 64, "image/png")},
        headers=auth,
    )
    assert upload.status_code == 400
    assert upload.json()["errors"][0]["parameters"] == {"media_type": ["<form field>"]}
