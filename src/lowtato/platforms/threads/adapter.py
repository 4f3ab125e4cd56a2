"""Lowtato posts → Threads posts (docs/reference/platforms.md §7).

Before publishing, the profile's 24-hour publishing quota is read
(``threads_publishing_limit``); a full quota is RateLimited, not sent. Then, by the media:

- no media: a ``TEXT`` container; one image: ``IMAGE`` (``image_url``); one video: ``VIDEO``
  (``video_url``) — Threads downloads the file from its URL;
- 2-20 items: one ``is_carousel_item`` container per item (each awaited), then a
  ``CAROUSEL`` container with ``children``;
- each container is polled until ``FINISHED`` (bounded, ``poll_delays``) and published with
  ``threads_publish`` (see ``containers``).

Once the post exists, the ``thread`` items are published as a reply chain (each a ``TEXT``
container with ``reply_to_id`` of the previous one) and the first comment as a reply to the
post. Their failures are reported in ``extra``, never raised: raising would make the post
look unpublished and get it sent again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lowtato.kit import clock
from lowtato.platforms.base import (
    AdapterContext,
    Credentials,
    Identity,
    Media,
    Metrics,
    OAuthApp,
    Published,
    PublishRequest,
    SubAccountInfo,
    TokenSet,
    unsent_extras,
)
from lowtato.platforms.capabilities import CAPABILITIES, Capabilities
from lowtato.platforms.errors import AuthExpired, PlatformError, RateLimited, Rejected
from lowtato.platforms.facebook.client import Graph
from lowtato.platforms.facebook.plan import created_at, media_kind
from lowtato.platforms.names import Platform
from lowtato.platforms.threads import accounts, containers
from lowtato.platforms.threads.client import (
    DEFAULT_AUTH_URL,
    DEFAULT_BASE_URL,
    PUBLIC_HOST,
    threads_api,
)

__all__ = ["DEFAULT_AUTH_URL", "DEFAULT_BASE_URL", "Adapter", "ThreadsAdapter"]

# What a published post's media_type is, by the container type that made it (§7 [V]).
PUBLISHED_TYPES = {
    "TEXT": "TEXT_POST",
    "IMAGE": "IMAGE",
    "VIDEO": "VIDEO",
    "CAROUSEL": "CAROUSEL_ALBUM",
}
METRICS = "views,likes,replies,reposts,quotes,shares"  # §7 "Metrics"
QUOTA_FULL_RETRY = 3600.0  # the quota is a rolling 24 h: try again in an hour
_NOT_CONNECTED = "No Threads token is stored; reconnect the account."


class ThreadsAdapter:
    """Threads adapter; the connected account is the profile itself (no subaccounts)."""

    capabilities: Capabilities = CAPABILITIES[Platform.THREADS]
    # Seconds between container status checks (about 1.5 min in all; Meta advises polling
    # for up to 5 minutes, §7 step 2). A container still processing then is retried later.
    poll_delays: tuple[float, ...] = (1.0, 2.0, 3.0, 5.0, 5.0, 10.0, 10.0, 15.0, 15.0, 30.0)
    # Threads lists a new post at once; a miss a minute after the send is conclusive.
    find_settle_seconds = 60

    async def publish(
        self, ctx: AdapterContext, creds: Credentials, req: PublishRequest
    ) -> Published:
        """Publish the post, then its thread items and first comment.

        ``extra`` holds ``media_type``, and when asked for: ``thread_ids`` (the further
        items, in order), ``thread_error`` (why the chain stopped early),
        ``first_comment_id`` or ``first_comment_error``.
        """
        graph, user, token = self._api(ctx, creds)
        await self._check_quota(graph, user, token)
        kind, body = await self._body(ctx, graph, user, token, req)
        media_id = await containers.make_post(graph, user, token, body, self.poll_delays)
        url = await self._permalink(graph, token, media_id, creds)
        extra: dict[str, Any] = {"media_type": PUBLISHED_TYPES[kind]}
        extra |= await self._follow_ups(graph, user, token, media_id, req.options)
        return Published(media_id, url, extra)

    async def _body(
        self, ctx: AdapterContext, graph: Graph, user: str, token: str, req: PublishRequest
    ) -> tuple[str, dict[str, Any]]:
        """The container type and the body of the post's (parent) container."""
        body: dict[str, Any] = {"text": req.text} if req.text else {}
        if req.options.get("reply_control"):
            body["reply_control"] = req.options["reply_control"]
        if not req.media:
            if not req.text:
                raise Rejected("A Threads post needs text or media.", code="invalid_content")
            return "TEXT", {"media_type": "TEXT", **body}
        if len(req.media) == 1:
            item = await self._item_body(ctx, req.media[0])
            return str(item["media_type"]), {**item, **body}
        children = []
        for media in req.media:
            item = {**await self._item_body(ctx, media), "is_carousel_item": True}
            children.append(await containers.create(graph, user, token, item))
        for child in children:
            await containers.wait_finished(graph, token, child, self.poll_delays)
        return "CAROUSEL", {"media_type": "CAROUSEL", "children": ",".join(children), **body}

    async def _item_body(self, ctx: AdapterContext, media: Media) -> dict[str, Any]:
        if await media_kind(ctx, media) == "video":
            return {"media_type": "VIDEO", "video_url": media.url}
        item = {"media_type": "IMAGE", "image_url": media.url}
        if media.alt_text:
            item["alt_text"] = media.alt_text
        return item

    async def _check_quota(self, graph: Graph, user: str, token: str) -> None:
        """RateLimited when the profile has used its posts for the rolling 24 hours (§7
        "Limits" [V]: read ``threads_publishing_limit`` rather than count ourselves)."""
        answer = await graph.get(
            f"{user}/threads_publishing_limit", token, {"fields": "quota_usage,config"}
        )
        rows = answer.get("data") or [{}]
        row = rows[0] if isinstance(rows[0], dict) else {}
        used, config = row.get("quota_usage"), row.get("config") or {}
        total = config.get("quota_total") if isinstance(config, dict) else None
        if isinstance(used, int) and isinstance(total, int) and used >= total:
            raise RateLimited(
                f"Threads: this profile has published its {total} posts allowed in 24 hours; "
                "the post waits until the quota frees up.",
                after=QUOTA_FULL_RETRY,
            )

    async def _permalink(self, graph: Graph, token: str, media_id: str, creds: Credentials) -> str:
        """``GET /{media}?fields=permalink`` (§7 step 4); the post exists, so a failed lookup
        falls back to the profile's URL instead of failing it."""
        fallback = f"{PUBLIC_HOST}/@{creds.username}" if creds.username else PUBLIC_HOST
        try:
            node = await graph.get(media_id, token, {"fields": "id,permalink"})
        except PlatformError:
            return fallback
        link = node.get("permalink")
        return link if isinstance(link, str) and link.startswith("https://") else fallback

    async def _follow_ups(
        self, graph: Graph, user: str, token: str, media_id: str, options: dict[str, Any]
    ) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        thread = [str(item) for item in options.get("thread") or []]
        if thread:
            ids: list[str] = []
            previous = media_id
            for number, text in enumerate(thread, start=2):
                try:
                    previous = await self._reply(graph, user, token, previous, text)
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
            try:
                extra["first_comment_id"] = await self._reply(
                    graph, user, token, media_id, str(comment)
                )
            except PlatformError as exc:
                extra["first_comment_error"] = (
                    f"the post was published but its first comment failed: {exc.reason}"
                )
        return extra

    async def _reply(self, graph: Graph, user: str, token: str, to: str, text: str) -> str:
        body = {"media_type": "TEXT", "text": text, "reply_to_id": to}
        return await containers.make_post(graph, user, token, body, self.poll_delays)

    async def find_published(
        self, ctx: AdapterContext, creds: Credentials, req: PublishRequest, since: datetime
    ) -> Published | None:
        """The post ``req`` made since ``since``, among the profile's posts
        (``GET /{user}/threads?since=``): the same text and media type. Threads has no
        idempotency key, so the content is the marker; only posts made since the send count.
        Thread items and the first comment were never sent after a lost answer."""
        graph, user, token = self._api(ctx, creds)
        kind = "TEXT" if not req.media else "CAROUSEL" if len(req.media) > 1 else None
        if kind is None:
            kind = "VIDEO" if await media_kind(ctx, req.media[0]) == "video" else "IMAGE"
        params: dict[str, str | int] = {
            "fields": "id,text,media_type,permalink,timestamp",
            "since": int(since.timestamp()),
            "limit": 50,
        }
        start = since.replace(microsecond=0)  # Threads stamps whole seconds
        wanted = PUBLISHED_TYPES[kind]
        async for item in graph.items(f"{user}/threads", token, params):
            made = created_at({"created_time": item.get("timestamp")})
            if made is not None and made < start:
                continue
            if str(item.get("text") or "") != req.text or item.get("media_type") != wanted:
                continue
            link = item.get("permalink")
            url = link if isinstance(link, str) else f"{PUBLIC_HOST}/@{creds.username}"
            return Published(
                str(item["id"]), url, {"reconciled": True, **unsent_extras(req, whose="Threads'")}
            )
        return None

    async def delete(self, ctx: AdapterContext, creds: Credentials, platform_post_id: str) -> None:
        """``DELETE /{media}`` (§7 "Delete"; 100 deletes a day per profile)."""
        graph, _, token = self._api(ctx, creds)
        if (await graph.delete(platform_post_id, token)).get("success") is not True:
            raise Rejected(f"Threads did not delete {platform_post_id}.", code="not_deleted")

    async def fetch_metrics(
        self, ctx: AdapterContext, creds: Credentials, platform_post_id: str
    ) -> Metrics:
        """``GET /{media}/insights`` (§7 "Metrics"). Shares are reposts plus quotes (see
        ``analytics.engagement``); views are Threads' only reach figure, so they are the
        impressions too."""
        graph, _, token = self._api(ctx, creds)
        answer = await graph.get(f"{platform_post_id}/insights", token, {"metric": METRICS})
        values = _insight_values(answer)
        reposts, quotes = values.get("reposts"), values.get("quotes")
        shares = None if reposts is None and quotes is None else (reposts or 0) + (quotes or 0)
        views = values.get("views")
        return Metrics(
            likes=values.get("likes"),
            comments=values.get("replies"),
            shares=shares,
            impressions=views,
            views=views,
        )

    async def refresh_token(self, ctx: AdapterContext, creds: Credentials) -> TokenSet:
        """``th_refresh_token`` on the long-lived token (no refresh tokens on Threads). A token
        under 24 hours old cannot be refreshed yet: it is returned unchanged."""
        if not creds.access_token:
            raise AuthExpired(_NOT_CONNECTED)
        if creds.expires_at is not None and accounts.too_young(creds.expires_at):
            left = int((creds.expires_at - clock.now()).total_seconds())
            return TokenSet(creds.access_token, None, left)
        return await accounts.refresh(ctx, creds.access_token)

    async def whoami(self, ctx: AdapterContext, creds: Credentials) -> Identity:
        if not creds.access_token:
            raise AuthExpired(_NOT_CONNECTED)
        return await accounts.whoami(ctx, creds.access_token)

    async def list_subaccounts(
        self, ctx: AdapterContext, creds: Credentials
    ) -> list[SubAccountInfo]:
        """Threads has no Pages or boards: posts go to the profile."""
        return []

    def authorize_url(
        self,
        ctx: AdapterContext,
        app: OAuthApp,
        *,
        redirect_uri: str,
        state: str,
        code_challenge: str,
    ) -> str:
        """The Threads authorize dialog; Threads takes no PKCE (``code_challenge`` unused)."""
        return accounts.authorize_url(ctx, app, redirect_uri=redirect_uri, state=state)

    async def exchange_code(
        self,
        ctx: AdapterContext,
        app: OAuthApp,
        *,
        code: str,
        redirect_uri: str,
        code_verifier: str,
    ) -> TokenSet:
        """Code → long-lived token (60 days); ``code_verifier`` is unused (no PKCE)."""
        return await accounts.exchange_code(ctx, app, code=code, redirect_uri=redirect_uri)

    def _api(self, ctx: AdapterContext, creds: Credentials) -> tuple[Graph, str, str]:
        if not creds.access_token:
            raise AuthExpired(_NOT_CONNECTED)
        return threads_api(ctx), creds.platform_user_id or "me", creds.access_token


def _insight_values(answer: dict[str, Any]) -> dict[str, int]:
    """``data[].name`` → ``values[0].value`` or ``total_value.value``."""
    found: dict[str, int] = {}
    for row in answer.get("data") or []:
        if not isinstance(row, dict) or not isinstance(row.get("name"), str):
            continue
        values = row.get("values")
        first = values[0] if isinstance(values, list) and values else None
        value = first.get("value") if isinstance(first, dict) else None
        if value is None and isinstance(row.get("total_value"), dict):
            value = row["total_value"].get("value")
        if isinstance(value, int):
            found[row["name"]] = value
    return found


Adapter = ThreadsAdapter
