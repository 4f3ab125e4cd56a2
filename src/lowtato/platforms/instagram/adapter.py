"""Lowtato posts → Instagram media (docs/reference/platforms.md §3 "Publishing").

1. one container per media: ``POST /{ig-user}/media`` with ``image_url`` / ``video_url``
   (Meta downloads them: they must be public URLs), ``media_type`` REELS / STORIES, or
   ``is_carousel_item`` for carousel items, then a ``CAROUSEL`` parent with ``children``;
2. ``GET /{container}?fields=status_code,status`` until ``FINISHED`` (bounded; ``ERROR`` and
   ``EXPIRED`` end it);
3. ``POST /{ig-user}/media_publish {creation_id}``: the one call that makes the post
   (``create=True``: a lost answer there is an unknown outcome, reconciled by caption);
4. the permalink and the first comment, which never fail a published post.

Before step 1 the daily publishing quota is read (``content_publishing_limit``): a used-up
quota is a rate limit, not a refusal, so the post goes out once the window frees.
"""

from __future__ import annotations

import asyncio
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
)
from lowtato.platforms.capabilities import CAPABILITIES, Capabilities
from lowtato.platforms.errors import AuthExpired, PlatformError, RateLimited, Rejected, Retryable
from lowtato.platforms.facebook import accounts
from lowtato.platforms.facebook.plan import created_id, media_kind
from lowtato.platforms.instagram.client import (
    DEFAULT_AUTH_URL,
    DEFAULT_BASE_URL,
    QUOTA_WAIT_SECONDS,
    InstagramGraph,
)
from lowtato.platforms.names import Platform
from lowtato.platforms.reach import private_host, unreachable_advice

__all__ = ["DEFAULT_AUTH_URL", "DEFAULT_BASE_URL", "Adapter", "InstagramAdapter"]

# docs/reference/platforms.md §3 "Auth" (Facebook Login): publishing, insights, comments, and
# the Pages that link the Instagram accounts.
SCOPES = (
    "instagram_basic",
    "instagram_content_publish",
    "instagram_manage_insights",
    "instagram_manage_comments",
    "pages_show_list",
    "pages_read_engagement",
    "business_management",
)
PUBLIC_HOST = "https://www.instagram.com"
METRICS = "views,likes,comments,shares"  # §3 Metrics: impressions/plays are deprecated
_RECONNECT = "No Facebook user token is stored; reconnect the Instagram account."
_PRODUCT = {"feed": "FEED", "carousel": "FEED", "reel": "REELS", "story": "STORY"}


def _post_type(options: dict[str, Any], kinds: list[str]) -> str:
    """The named post type, else from the media: 1 image feed, 1 video reel, 2+ carousel."""
    named = options.get("post_type")
    if named:
        return str(named)
    if len(kinds) > 1:
        return "carousel"
    return "reel" if kinds == ["video"] else "feed"


class InstagramAdapter:
    capabilities: Capabilities = CAPABILITIES[Platform.INSTAGRAM]
    # Seconds between container status reads (Meta: about once a minute for ≤5 minutes; the
    # first reads come sooner because images are usually ready at once). Tests set zeros.
    poll_delays: tuple[float, ...] = (1.0, 2.0, 3.0, 5.0, 10.0, 15.0, 30.0, 60.0, 60.0, 60.0)

    def __init__(self, app: OAuthApp | None = None) -> None:
        self.app = app

    async def publish(
        self, ctx: AdapterContext, creds: Credentials, req: PublishRequest
    ) -> Published:
        graph = InstagramGraph(ctx)
        ig_user, token = self._who(creds)
        kinds = [await media_kind(ctx, media) for media in req.media]
        post_type = _post_type(req.options, kinds)
        if not req.media:
            raise Rejected("An Instagram post needs at least one image or video.",
                           code="invalid_content")  # fmt: skip
        for media in req.media:
            host = None if ctx.private_media_ok else private_host(media.url)
            if host is not None:
                raise Rejected(unreachable_advice("Instagram", media.url, host),
                               code="media_not_public")  # fmt: skip
        await self._check_quota(graph, ig_user, token)
        container = await self._containers(
            graph, ig_user, token, req, post_type=post_type, kinds=kinds
        )
        body = {"creation_id": container}
        made = await graph.post(f"{ig_user}/media_publish", token, body, create=True)
        media_id = created_id(made, "id")
        url = await self._permalink(graph, token, media_id, post_type)
        extra: dict[str, Any] = {"kind": post_type, "container_id": container}
        comment = req.options.get("first_comment")
        if comment and post_type != "story":
            try:
                said = await graph.post(f"{media_id}/comments", token, {"message": str(comment)})
                extra["first_comment_id"] = str(said.get("id", ""))
            except PlatformError as exc:  # the post exists: never make it look unpublished
                extra["first_comment_error"] = exc.reason
        return Published(media_id, url, extra)

    async def _check_quota(self, graph: InstagramGraph, ig_user: str, token: str) -> None:
        """§3 Limits: read the quota, don't hardcode it. An unreadable quota is not a reason
        to hold the post back (``media_publish`` refuses with 2207042 when it is used up)."""
        try:
            found = await graph.get(
                f"{ig_user}/content_publishing_limit", token, {"fields": "quota_usage,config"}
            )
        except (Retryable, Rejected):
            return
        for item in found.get("data") or []:
            config = item.get("config") or {}
            used, total = item.get("quota_usage"), config.get("quota_total")
            if isinstance(used, int) and isinstance(total, int) and used >= total:
                raise RateLimited(
                    f"Instagram's publishing limit of {total} posts per 24 hours is used up; "
                    "the post is retried when the window frees.",
                    after=QUOTA_WAIT_SECONDS,
                )

    async def _containers(
        self,
        graph: InstagramGraph,
        ig_user: str,
        token: str,
        req: PublishRequest,
        *,
        post_type: str,
        kinds: list[str],
    ) -> str:
        """The container to publish (children first for a carousel), each FINISHED."""
        options = req.options
        if post_type == "carousel":
            children = [
                await self._container(graph, ig_user, token, self._item(m, k, "carousel"))
                for m, k in zip(req.media, kinds, strict=True)
            ]
            for child in children:
                await self._settle(graph, token, child)
            body: dict[str, Any] = {"media_type": "CAROUSEL", "children": ",".join(children)}
        else:
            body = self._item(req.media[0], kinds[0], post_type)
            if post_type == "reel" and options.get("share_to_feed") is not None:
                body["share_to_feed"] = bool(options["share_to_feed"])
        if post_type != "story":
            if req.text:
                body["caption"] = req.text
            if options.get("collaborators") and post_type != "carousel":
                body["collaborators"] = list(options["collaborators"])
            if options.get("location_id"):
                body["location_id"] = str(options["location_id"])
        parent = await self._container(graph, ig_user, token, body)
        await self._settle(graph, token, parent)
        return parent

    @staticmethod
    def _item(media: Media, kind: str, post_type: str) -> dict[str, Any]:
        key = "video_url" if kind == "video" else "image_url"
        body: dict[str, Any] = {key: media.url}
        if post_type == "carousel":
            body["is_carousel_item"] = True
            if kind == "video":
                body["media_type"] = "VIDEO"
        elif post_type == "story":
            body["media_type"] = "STORIES"
        elif post_type == "reel" or kind == "video":
            body["media_type"] = "REELS"
        if media.alt_text and kind == "image":
            body["alt_text"] = media.alt_text
        return body

    async def _container(
        self, graph: InstagramGraph, ig_user: str, token: str, body: dict[str, Any]
    ) -> str:
        made = await graph.post(f"{ig_user}/media", token, body)
        container = made.get("id")
        if not container:
            raise Retryable("Instagram made no media container; trying again later.")
        return str(container)

    async def _settle(self, graph: InstagramGraph, token: str, container: str) -> None:
        """Poll ``status_code`` (bounded). Nothing is published yet, so giving up is safe:
        the whole post is retried with new containers."""
        for delay in (0.0, *self.poll_delays):
            await asyncio.sleep(delay)
            node = await graph.get(container, token, {"fields": "status_code,status"})
            code = str(node.get("status_code") or "IN_PROGRESS")
            if code in ("FINISHED", "PUBLISHED"):
                return
            if code == "EXPIRED":
                raise Retryable("Instagram's media container expired; it is made again.")
            if code == "ERROR":
                detail = str(node.get("status") or "no detail given")
                fetch = "2207052" in detail or "2207003" in detail
                raise Rejected(
                    f"Instagram could not process the media ({detail}). "
                    + (
                        "Instagram downloads media from its URL: use a public URL (set "
                        "LOWTATO_PUBLIC_URL to this server's public address for uploads)."
                        if fetch
                        else "Check that it is a JPEG image or an MP4 (H.264/AAC) video."
                    ),
                    code="invalid_media" if fetch else "processing_failed",
                )
        raise Retryable("Instagram is still processing the media; the post is retried later.")

    async def _permalink(
        self, graph: InstagramGraph, token: str, media_id: str, post_type: str
    ) -> str:
        fallback = f"{PUBLIC_HOST}/{'reel' if post_type == 'reel' else 'p'}/{media_id}/"
        try:
            node = await graph.get(media_id, token, {"fields": "permalink,shortcode"})
        except PlatformError:  # the post exists; a lost lookup must not fail it
            return fallback
        link = node.get("permalink")
        return link if isinstance(link, str) and link.startswith("https://") else fallback

    async def find_published(
        self, ctx: AdapterContext, creds: Credentials, req: PublishRequest, since: datetime
    ) -> Published | None:
        """The account's media since ``since`` whose caption is exactly our text and whose
        product type matches (``/{ig-user}/media``); stories have no caption, so a story is
        the newest story of the account since ``since`` (``/{ig-user}/stories``)."""
        graph = InstagramGraph(ctx)
        ig_user, token = self._who(creds)
        kinds = [await media_kind(ctx, media) for media in req.media]
        post_type = _post_type(req.options, kinds)
        edge = "stories" if post_type == "story" else "media"
        fields = "id,caption,timestamp,permalink,media_product_type"
        params: dict[str, str | int] = {"fields": fields, "limit": 50}
        async for item in graph.items(f"{ig_user}/{edge}", token, params):
            made = _timestamp(item)
            if made is None or made < since:
                continue
            if item.get("media_product_type") not in (None, _PRODUCT.get(post_type)):
                continue
            if post_type != "story" and str(item.get("caption") or "") != req.text:
                continue
            link = item.get("permalink")
            url = link if isinstance(link, str) else f"{PUBLIC_HOST}/p/{item['id']}/"
            return Published(str(item["id"]), url, {"kind": post_type, "reconciled": True}, made)
        return None

    async def delete(self, ctx: AdapterContext, creds: Credentials, platform_post_id: str) -> None:
        """``DELETE /{media}`` (§3 "Delete": reported for Facebook Login, not documented);
        a refusal says the platform does not let this post be deleted."""
        _, token = self._who(creds)
        try:
            done = await InstagramGraph(ctx).delete(platform_post_id, token)
        except Rejected as exc:
            raise Rejected(
                f"Instagram did not delete {platform_post_id}: its API deletes only some posts "
                f"({exc.reason}). Delete it in the Instagram app.",
                code="unsupported",
            ) from exc
        if done.get("success") is not True:
            raise Rejected(f"Instagram did not delete {platform_post_id}.", code="unsupported")

    async def fetch_metrics(
        self, ctx: AdapterContext, creds: Credentials, platform_post_id: str
    ) -> Metrics:
        """``GET /{media}/insights?metric=views,likes,comments,shares`` (§3 Metrics)."""
        _, token = self._who(creds)
        found = await InstagramGraph(ctx).get(
            f"{platform_post_id}/insights", token, {"metric": METRICS}
        )
        values: dict[str, int] = {}
        for item in found.get("data") or []:
            points = item.get("values") or [{}]
            value = points[0].get("value") if isinstance(points[0], dict) else None
            if isinstance(value, int):
                values[str(item.get("name"))] = value
        return Metrics(
            likes=values.get("likes"),
            comments=values.get("comments"),
            shares=values.get("shares"),
            views=values.get("views"),
        )

    async def refresh_token(self, ctx: AdapterContext, creds: Credentials) -> TokenSet:
        """Facebook Login tokens have no refresh token: the long-lived user token is extended
        with ``fb_exchange_token`` when the app is configured (see ``facebook.accounts``)."""
        if not creds.access_token:
            raise AuthExpired(_RECONNECT)
        app = self.app or ctx.app
        if app is not None:
            return await accounts.long_lived(ctx, app, creds.access_token)
        left = int((creds.expires_at - clock.now()).total_seconds()) if creds.expires_at else 0
        return TokenSet(creds.access_token, None, left if left > 0 else None)

    async def whoami(self, ctx: AdapterContext, creds: Credentials) -> Identity:
        """The Instagram business account linked to one of the user's Pages (§3 "Who am I"):
        the one named by ``platform_user_id`` (id or username) when given, else the first."""
        found = await self._linked(ctx, creds)
        wanted = creds.platform_user_id or creds.username
        for ig in found:
            if not wanted or wanted in (str(ig.get("id")), ig.get("username")):
                username = str(ig.get("username") or ig["id"])
                picture = ig.get("profile_picture_url")
                return Identity(str(ig["id"]), username, str(ig.get("name") or username),
                                picture if isinstance(picture, str) else None)  # fmt: skip
        raise Rejected(
            "No Instagram professional account is linked to this Facebook user's Pages"
            + (f" with id or username {wanted}" if wanted else "")
            + ". Link the Instagram account to a Facebook Page (Instagram app → Settings → "
            "Account type and tools), then connect again.",
            code="permission_missing",
        )

    async def _linked(self, ctx: AdapterContext, creds: Credentials) -> list[dict[str, Any]]:
        if not creds.access_token:
            raise AuthExpired(_RECONNECT)
        fields = "id,name,instagram_business_account{id,username,name,profile_picture_url}"
        params: dict[str, str | int] = {"fields": fields, "limit": 100}
        found = []
        async for page in InstagramGraph(ctx).items("me/accounts", creds.access_token, params):
            ig = page.get("instagram_business_account")
            if isinstance(ig, dict) and ig.get("id"):
                found.append(ig)
        return found

    async def list_subaccounts(
        self, ctx: AdapterContext, creds: Credentials
    ) -> list[SubAccountInfo]:
        """None: the connected account is the Instagram account itself."""
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
        """The Facebook Login dialog with Instagram's scopes (no PKCE on this flow)."""
        return accounts.authorize_url(
            ctx, app, redirect_uri=redirect_uri, state=state, scopes=SCOPES
        )

    async def exchange_code(
        self,
        ctx: AdapterContext,
        app: OAuthApp,
        *,
        code: str,
        redirect_uri: str,
        code_verifier: str,
    ) -> TokenSet:
        """Code → long-lived Facebook user token (about 60 days, no refresh token)."""
        return await accounts.exchange_code(ctx, app, code=code, redirect_uri=redirect_uri)

    @staticmethod
    def _who(creds: Credentials) -> tuple[str, str]:
        """The Instagram user id to post as and the token (the user token works for it)."""
        token = creds.target_token or creds.access_token
        if not token:
            raise AuthExpired(_RECONNECT)
        return creds.target_id or creds.platform_user_id, token


def _timestamp(item: dict[str, Any]) -> datetime | None:
    """``timestamp`` as Graph writes it for media (``2026-11-29T14:40:05+0000``)."""
    raw = item.get("timestamp")
    if not isinstance(raw, str):
        return None
    try:
        return datetime.strptime(raw, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return None


Adapter = InstagramAdapter
