"""The X (Twitter) adapter: a Lowtato post becomes X API v2 calls (docs/reference/platforms.md §2).

Publishing uploads the media (see `media`), creates the post with `POST /2/tweets`, then posts
the thread items and the first comment as replies. Only the first create decides the outcome:
once it succeeded the post exists, so a failing later item is reported in `Published.extra`
instead of raised — raising would make the publish flow retry and post the first item twice.
"""

from __future__ import annotations

import html
import unicodedata
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from lowtato.platforms.base import (
    AdapterContext,
    Credentials,
    Identity,
    Metrics,
    OAuthApp,
    Published,
    PublishRequest,
    SubAccountInfo,
    TokenSet,
    unsent_extras,
)
from lowtato.platforms.capabilities import CAPABILITIES, Capabilities
from lowtato.platforms.errors import AuthExpired, PlatformError, Rejected, UnknownOutcome
from lowtato.platforms.names import Platform
from lowtato.platforms.twitter.client import JSON, XClient, token_request
from lowtato.platforms.twitter.media import (
    PollPolicy,
    Sleep,
    default_sleep,
    fetch_all,
    upload_all,
)
from lowtato.platforms.x_text import x_url_spans

DEFAULT_BASE_URL = "https://api.x.com"
DEFAULT_AUTH_URL = "https://x.com"
# §2 Auth: publishing with media needs these; offline.access is what yields a refresh token.
SCOPES = ("tweet.read", "tweet.write", "users.read", "media.write", "offline.access")
# Reconciliation reads at most this many pages of 100 recent posts: an account that posted
# more than 500 times since the lost answer is not worth scanning further.
_FIND_PAGES = 5
_URL_MARK = "\x00"


class Adapter:
    """X API v2 with an OAuth 2.0 user token (Authorization Code + PKCE)."""

    capabilities: Capabilities = CAPABILITIES[Platform.TWITTER]

    def __init__(self, *, sleep: Sleep | None = None, poll: PollPolicy | None = None) -> None:
        self._sleep = sleep or default_sleep
        self._poll = poll or PollPolicy()

    def _url(self, creds: Credentials, post_id: str) -> str:
        # x.com/i/status/{id} resolves to the right author when the handle is unknown.
        return self.capabilities.public_url.format(username=creds.username or "i", id=post_id)

    async def publish(
        self, ctx: AdapterContext, creds: Credentials, req: PublishRequest
    ) -> Published:
        """Upload media, create the post, then its thread items and first comment.

        `extra` holds `media_ids`, and when asked for: `thread_ids` (the further items, in
        order), `thread_error` (why the thread stopped early), `first_comment_id` or
        `first_comment_error`.
        """
        client = XClient(ctx, creds.access_token)
        uploads = await fetch_all(ctx.fetch, req.media, self.capabilities.media)
        media_ids = await upload_all(client, uploads, sleep=self._sleep, policy=self._poll)
        options = req.options
        body: JSON = {"text": req.text}
        if media_ids:
            body["media"] = {"media_ids": media_ids}
        if options.get("reply_to_id"):
            body["reply"] = {"in_reply_to_tweet_id": str(options["reply_to_id"])}
        if options.get("quote_tweet_id"):
            body["quote_tweet_id"] = str(options["quote_tweet_id"])
        if options.get("reply_settings"):
            body["reply_settings"] = options["reply_settings"]
        post_id = await _create(client, body, "publish the post")
        extra: dict[str, Any] = {"media_ids": media_ids} if media_ids else {}
        extra |= await _follow_ups(client, post_id, options)
        return Published(post_id, self._url(creds, post_id), extra)

    async def find_published(
        self, ctx: AdapterContext, creds: Credentials, req: PublishRequest, since: datetime
    ) -> Published | None:
        """The post ``req`` created, looked up among the account's posts since ``since``.

        X has no idempotency key and no way to tag a post, so the marker is the content: the
        same text (X rewrites links to t.co and appends a link per media, both undone here)
        with as many attachments as we sent. X refuses duplicate text from one account, so two
        posts cannot match. The further thread items were never sent after a lost answer, so
        a found post is reported without them.
        """
        client = XClient(ctx, creds.access_token)
        start = since if since.tzinfo else since.replace(tzinfo=UTC)
        params = {
            "start_time": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "max_results": "100",
            "exclude": "retweets",
            "post.fields": "created_at,attachments,entities",
        }
        for _ in range(_FIND_PAGES):
            body = await client.call(
                "GET",
                f"/2/users/{creds.platform_user_id}/tweets",
                what="list the account's recent posts",
                params=params,
            )
            for tweet in body.get("data") or []:
                if isinstance(tweet, dict) and _matches(tweet, req):
                    post_id = str(tweet["id"])
                    return Published(
                        post_id,
                        self._url(creds, post_id),
                        unsent_extras(req, whose="X's", post="first post"),
                    )
            token = (body.get("meta") or {}).get("next_token")
            if not token:
                return None
            params["pagination_token"] = str(token)
        return None

    async def delete(self, ctx: AdapterContext, creds: Credentials, platform_post_id: str) -> None:
        body = await XClient(ctx, creds.access_token).call(
            "DELETE", f"/2/tweets/{platform_post_id}", what="delete the post"
        )
        if (body.get("data") or {}).get("deleted") is not True:
            raise Rejected(f"X did not delete post {platform_post_id}", code="not_deleted")

    async def fetch_metrics(
        self, ctx: AdapterContext, creds: Credentials, platform_post_id: str
    ) -> Metrics:
        """`public_metrics` of the post: shares are reposts plus quotes."""
        body = await XClient(ctx, creds.access_token).call(
            "GET",
            f"/2/tweets/{platform_post_id}",
            what="read the post's metrics",
            params={"post.fields": "public_metrics"},
        )
        metrics = (body.get("data") or {}).get("public_metrics") or {}

        def count(*names: str) -> int | None:
            values = [metrics[n] for n in names if isinstance(metrics.get(n), int)]
            return sum(values) if values else None

        # The spec names it repost_count; live payloads have used retweet_count (§2 Metrics).
        reposts = count("repost_count") if "repost_count" in metrics else count("retweet_count")
        quotes = count("quote_count")
        shares = None if reposts is None and quotes is None else (reposts or 0) + (quotes or 0)
        return Metrics(
            likes=count("like_count"),
            comments=count("reply_count"),
            shares=shares,
            impressions=count("impression_count"),
        )

    async def refresh_token(
        self, ctx: AdapterContext, creds: Credentials, app: OAuthApp | None = None
    ) -> TokenSet:
        """A new access token; X rotates the refresh token, so the returned one replaces it.

        X authenticates the client on refresh (Basic auth of a confidential client, or its
        `client_id`): the app comes from ``ctx.app`` (or ``app``). Without one X answers 401
        and the account needs reconnecting.
        """
        app = app or ctx.app
        if not creds.refresh_token:
            raise AuthExpired(
                "the X access token expired and there is no refresh token (the offline.access "
                "scope was not granted); reconnect the account",
                kind="expired",
            )
        form = {"grant_type": "refresh_token", "refresh_token": creds.refresh_token}
        return _token_set(await token_request(ctx, form, app, refreshing=True))

    async def whoami(self, ctx: AdapterContext, creds: Credentials) -> Identity:
        body = await XClient(ctx, creds.access_token).call(
            "GET",
            "/2/users/me",
            what="read the account's profile",
            params={"user.fields": "username,name,profile_image_url"},
        )
        user = body.get("data") or {}
        return Identity(
            platform_user_id=str(user.get("id", "")),
            username=str(user.get("username", "")),
            fullname=str(user.get("name", "")),
            profile_image_url=user.get("profile_image_url"),
        )

    async def list_subaccounts(
        self, ctx: AdapterContext, creds: Credentials
    ) -> list[SubAccountInfo]:
        return []  # an X account posts only as itself

    def authorize_url(
        self,
        ctx: AdapterContext,
        app: OAuthApp,
        *,
        redirect_uri: str,
        state: str,
        code_challenge: str,
    ) -> str:
        params = {
            "response_type": "code",
            "client_id": app.client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(SCOPES),
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
        return f"{ctx.auth_url}/i/oauth2/authorize?{urlencode(params, quote_via=quote)}"

    async def exchange_code(
        self,
        ctx: AdapterContext,
        app: OAuthApp,
        *,
        code: str,
        redirect_uri: str,
        code_verifier: str,
    ) -> TokenSet:
        """Trade the code (valid ~30 s) for tokens; X checks the verifier against the challenge."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
            "client_id": app.client_id,
        }
        return _token_set(await token_request(ctx, form, app, refreshing=False))


async def _create(client: XClient, body: JSON, what: str) -> str:
    answer = await client.call("POST", "/2/tweets", what=what, json=body, creates=True)
    post_id = (answer.get("data") or {}).get("id")
    if not post_id:
        raise UnknownOutcome("X accepted the post but its answer carried no id")
    return str(post_id)


async def _follow_ups(client: XClient, post_id: str, options: dict[str, Any]) -> dict[str, Any]:
    """Thread items as a reply chain, then the first comment as a reply to the post.

    Failures are reported, never raised: the post itself is already published.
    """
    extra: dict[str, Any] = {}
    thread = [str(item) for item in options.get("thread") or []]
    settings = options.get("reply_settings")
    if thread:
        ids: list[str] = []
        previous = post_id
        for number, text in enumerate(thread, start=2):
            body: JSON = {"text": text, "reply": {"in_reply_to_tweet_id": previous}}
            if settings:
                body["reply_settings"] = settings
            try:
                previous = await _create(client, body, f"publish thread item {number}")
            except PlatformError as exc:
                extra["thread_error"] = (
                    f"the post was published but thread item {number} of {len(thread) + 1} "
                    f"failed, so the thread stops there: {exc.reason}"
                )
                break
            ids.append(previous)
        extra["thread_ids"] = ids
    comment = options.get("first_comment")
    if comment:
        reply: JSON = {"text": str(comment), "reply": {"in_reply_to_tweet_id": post_id}}
        try:
            extra["first_comment_id"] = await _create(client, reply, "publish the first comment")
        except PlatformError as exc:
            extra["first_comment_error"] = (
                f"the post was published but its first comment failed: {exc.reason}"
            )
    return extra


def _token_set(payload: JSON) -> TokenSet:
    refresh = payload.get("refresh_token")
    expires = payload.get("expires_in")
    return TokenSet(
        access_token=str(payload["access_token"]),
        refresh_token=str(refresh) if refresh else None,
        expires_in=int(expires) if isinstance(expires, int | float) and expires > 0 else None,
    )


def _normal(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def _mask_urls(text: str) -> str:
    spans = x_url_spans(text)
    for start, end in reversed(spans):
        text = text[:start] + _URL_MARK + text[end:]
    return text


def _candidates(tweet: JSON) -> tuple[str, str]:
    """The post's text as we would have sent it: links expanded, and with links masked."""
    text = str(tweet.get("text", ""))
    expanded = masked = text
    urls = ((tweet.get("entities") or {}).get("urls")) or []
    for entity in urls:
        if not isinstance(entity, dict) or not entity.get("url"):
            continue
        short = str(entity["url"])
        if entity.get("media_key"):  # the link X appends for an attachment
            expanded = expanded.replace(short, "")
            masked = masked.replace(short, "")
        else:
            original = entity.get("unwound_url") or entity.get("expanded_url") or short
            expanded = expanded.replace(short, str(original))
            masked = masked.replace(short, _URL_MARK)
    # X escapes &, < and > in the text it returns.
    return _normal(html.unescape(expanded)), _normal(html.unescape(masked))


def _matches(tweet: JSON, req: PublishRequest) -> bool:
    keys = (tweet.get("attachments") or {}).get("media_keys") or []
    if len(keys) != len(req.media):
        return False
    expanded, masked = _candidates(tweet)
    wanted = _normal(req.text)
    return expanded == wanted or masked == _mask_urls(wanted)
