"""Lowtato posts → Facebook Page posts (docs/reference/platforms.md §6).

The connected account is a Facebook user; publishing always goes to one of their Pages (a
subaccount: ``Credentials.target_id``, with its Page token in ``target_token``):

- text / link: ``POST /{page}/feed {message, link}``;
- one photo: ``POST /{page}/photos {url, message}`` (Graph downloads the photo from ``url``);
- several photos: each ``POST /{page}/photos {url, published: false}``, then ``POST
  /{page}/feed {message, attached_media: [{media_fbid}]}``;
- video: ``POST /{page}/videos {file_url, description}``, then ``GET /{video}?fields=status``
  until ``ready`` (bounded); the post id is the video id;
- reel: ``POST /{page}/video_reels`` ``start`` → the rupload host fetches ``file_url`` →
  ``finish`` with ``video_state=PUBLISHED``, then the same status polling.

Only the call that makes the post is sent with ``create=True`` (see ``client``); anything after
it (permalink lookup, status polling, first comment) never raises a retryable error, because a
retry would post again.
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
from lowtato.platforms.errors import AuthExpired, PlatformError, Rejected
from lowtato.platforms.facebook import accounts
from lowtato.platforms.facebook.client import DEFAULT_AUTH_URL, DEFAULT_BASE_URL, Graph
from lowtato.platforms.facebook.plan import (
    PUBLIC_HOST,
    Plan,
    created_at,
    created_id,
    make_plan,
    public_url,
    summary_count,
)
from lowtato.platforms.names import Platform

__all__ = ["DEFAULT_AUTH_URL", "DEFAULT_BASE_URL", "Adapter", "FacebookAdapter"]

_COUNTS = "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0)"
POST_METRIC_FIELDS = f"shares,{_COUNTS}"  # videos and reels have no `shares` field
SUBACCOUNT_HELP = CAPABILITIES[Platform.FACEBOOK].target_required
_RECONNECT = "No Facebook user token is stored; reconnect the account."


class FacebookAdapter:
    """Facebook Pages adapter. ``app`` (the operator's Facebook app) is only needed to extend
    a user token in ``refresh_token``; the registry creates adapters without one."""

    capabilities: Capabilities = CAPABILITIES[Platform.FACEBOOK]
    # Seconds between video status checks (about a minute in all). A video Facebook accepted
    # is reported published even if still processing then: it exists and must not be re-sent.
    poll_delays: tuple[float, ...] = (2.0, 3.0, 5.0, 5.0, 10.0, 10.0, 10.0, 15.0)

    def __init__(self, app: OAuthApp | None = None) -> None:
        self.app = app

    async def publish(
        self, ctx: AdapterContext, creds: Credentials, req: PublishRequest
    ) -> Published:
        """Publish to the Page in ``creds.target_id`` with its Page token (see module doc)."""
        plan = await make_plan(ctx, req)
        graph = Graph(ctx)
        page_id, token = await self._page(graph, creds)
        if plan.post_type == "reel":
            published = await self._reel(graph, page_id, token, req.text, plan.videos[0])
        elif plan.videos:
            published = await self._video(graph, page_id, token, req.text, plan.videos[0])
        elif len(plan.images) == 1:
            published = await self._photo(graph, page_id, token, req.text, plan.images[0])
        else:
            published = await self._feed(graph, page_id, token, req.text, plan)
        if plan.first_comment:
            published = await self._comment(graph, token, published, plan.first_comment)
        return published

    async def _feed(
        self, graph: Graph, page_id: str, token: str, text: str, plan: Plan
    ) -> Published:
        body: dict[str, Any] = {"published": True}
        if text:
            body["message"] = text
        if plan.link:
            body["link"] = plan.link
        if plan.images:
            # Unpublished uploads show nothing; a failure here is safe to retry.
            photos = [await self._unpublished_photo(graph, page_id, token, m) for m in plan.images]
            body["attached_media"] = [{"media_fbid": photo} for photo in photos]
        fields = {"fields": "id,permalink_url"}
        created = await graph.post(f"{page_id}/feed", token, body, create=True, params=fields)
        post_id = created_id(created, "id")
        url = public_url(created.get("permalink_url"), f"{PUBLIC_HOST}/{post_id}")
        kind = "photos" if plan.images else "link" if plan.link else "text"
        return Published(post_id, url, {"page_id": page_id, "kind": kind})

    async def _unpublished_photo(self, graph: Graph, page_id: str, token: str, media: Media) -> str:
        body = {"url": media.url, "published": False}
        photo_id = (await graph.post(f"{page_id}/photos", token, body)).get("id")
        if not photo_id:
            raise Rejected(f"Facebook did not accept the photo {media.url}.", code="invalid_media")
        return str(photo_id)

    async def _photo(
        self, graph: Graph, page_id: str, token: str, text: str, media: Media
    ) -> Published:
        body: dict[str, Any] = {"url": media.url, "published": True}
        if text:
            body["message"] = text
        created = await graph.post(f"{page_id}/photos", token, body, create=True)
        # `post_id` is the feed story (what delete/metrics/permalink address); `id` the photo.
        post_id = created_id(created, "post_id", "id")
        url = await self._permalink(graph, token, post_id, f"{PUBLIC_HOST}/{post_id}")
        extra = {"page_id": page_id, "kind": "photo", "photo_id": str(created.get("id", ""))}
        return Published(post_id, url, extra)

    async def _video(
        self, graph: Graph, page_id: str, token: str, text: str, media: Media
    ) -> Published:
        body = {"file_url": media.url, "description": text, "published": True}
        created = await graph.post(f"{page_id}/videos", token, body, create=True)
        video_id = created_id(created, "id")
        status, permalink = await self._settle_video(graph, token, video_id)
        url = public_url(permalink, f"{PUBLIC_HOST}/{page_id}/videos/{video_id}/")
        extra = {"page_id": page_id, "kind": "video", "video_status": status}
        return Published(video_id, url, extra)

    async def _reel(
        self, graph: Graph, page_id: str, token: str, text: str, media: Media
    ) -> Published:
        edge = f"{page_id}/video_reels"
        start = await graph.post(edge, token, {"upload_phase": "start"})
        video_id, upload_url = start.get("video_id"), start.get("upload_url")
        if not video_id or not isinstance(upload_url, str):
            raise Rejected("Facebook did not open a reel upload; try again later.")
        await graph.upload_hosted(upload_url, token, media.url)
        finish = {
            "upload_phase": "finish",
            "video_id": str(video_id),
            "video_state": "PUBLISHED",
            "description": text,
        }
        if (await graph.post(edge, token, finish, create=True)).get("success") is not True:
            raise Rejected("Facebook did not publish the reel.")
        status, _ = await self._settle_video(graph, token, str(video_id))
        extra = {"page_id": page_id, "kind": "reel", "video_status": status}
        return Published(str(video_id), f"{PUBLIC_HOST}/reel/{video_id}", extra)

    async def _settle_video(
        self, graph: Graph, token: str, video_id: str
    ) -> tuple[str, str | None]:
        """Poll ``status.video_status`` (bounded). Only a processing error fails the post: the
        video already exists, so any other trouble here must not look retryable."""
        status, permalink = "processing", None
        for delay in (0.0, *self.poll_delays):
            await asyncio.sleep(delay)
            try:
                node = await graph.get(video_id, token, {"fields": "status,permalink_url"})
            except PlatformError:
                return "unknown", permalink
            permalink = node.get("permalink_url") or permalink
            info = node.get("status")
            info = info if isinstance(info, dict) else {}
            status = str(info.get("video_status") or "processing")
            if status == "ready":
                break
            if status == "error":
                errors = (info.get("processing_phase") or {}).get("errors") or [{}]
                detail = errors[0].get("message") if isinstance(errors[0], dict) else None
                raise Rejected(
                    f"Facebook could not process the video ({detail or 'no detail given'}). "
                    "Check that it is an MP4 (H.264/AAC) that opens from its URL, then publish "
                    "again.",
                    code="processing_failed",
                )
        return status, permalink

    async def _permalink(self, graph: Graph, token: str, object_id: str, fallback: str) -> str:
        try:
            node = await graph.get(object_id, token, {"fields": "permalink_url"})
        except PlatformError:  # the post exists; a lost lookup must not fail it
            return fallback
        return public_url(node.get("permalink_url"), fallback)

    async def _comment(
        self, graph: Graph, token: str, published: Published, text: str
    ) -> Published:
        """The first comment, once the post exists: a failure is reported in ``extra``, never
        raised, because raising would make the post look unpublished and get it sent again."""
        extra = dict(published.extra)
        edge = f"{published.platform_post_id}/comments"
        try:
            extra["first_comment_id"] = str(
                (await graph.post(edge, token, {"message": text})).get("id", "")
            )
        except PlatformError as exc:
            extra["first_comment_error"] = exc.reason
        return Published(published.platform_post_id, published.public_url, extra)

    async def find_published(
        self, ctx: AdapterContext, creds: Credentials, req: PublishRequest, since: datetime
    ) -> Published | None:
        """Look on the Page for the post ``req`` would have made since ``since``.

        Feed posts (text, link, photos) are listed with ``GET /{page}/posts?since=``, videos
        with ``/{page}/videos`` and reels with ``/{page}/video_reels``; ours is the one whose
        message (description) is exactly our text and which, when we sent photos, carries a
        picture. Graph re-hosts media, so the photo itself cannot be compared. Facebook
        refuses the same message twice in a row (code 506), so a text match does not pick up
        an older copy.
        """
        plan = await make_plan(ctx, req)
        graph = Graph(ctx)
        page_id, token = await self._page(graph, creds)
        text_field = plan.text_field
        fields = f"id,{text_field},created_time,permalink_url"
        if plan.edge == "posts":
            fields += ",full_picture"
        params: dict[str, str | int] = {"fields": fields, "since": int(since.timestamp())}
        async for item in graph.items(f"{page_id}/{plan.edge}", token, params):
            made = created_at(item)
            if (made is not None and made < since) or str(item.get(text_field) or "") != req.text:
                continue
            if plan.images and not item.get("full_picture"):
                continue
            item_id = str(item["id"])
            if plan.post_type == "reel":
                url = f"{PUBLIC_HOST}/reel/{item_id}"
            elif plan.videos:
                url = public_url(
                    item.get("permalink_url"), f"{PUBLIC_HOST}/{page_id}/videos/{item_id}/"
                )
            else:
                url = public_url(item.get("permalink_url"), f"{PUBLIC_HOST}/{item_id}")
            return Published(item_id, url, {"page_id": page_id, "reconciled": True})
        return None

    async def delete(self, ctx: AdapterContext, creds: Credentials, platform_post_id: str) -> None:
        """``DELETE /{post-id}`` (the video id for videos and reels) with the Page token."""
        graph = Graph(ctx)
        token = await self._token_for(graph, creds, platform_post_id)
        if (await graph.delete(platform_post_id, token)).get("success") is not True:
            raise Rejected(f"Facebook did not delete {platform_post_id}.")

    async def fetch_metrics(
        self, ctx: AdapterContext, creds: Credentials, platform_post_id: str
    ) -> Metrics:
        """Reactions, comments and shares from the post's summary fields
        (docs/reference/platforms.md §6)."""
        graph = Graph(ctx)
        token = await self._token_for(graph, creds, platform_post_id)
        is_post = "_" in platform_post_id  # feed posts are "{page}_{story}"; videos are bare ids
        fields = POST_METRIC_FIELDS if is_post else _COUNTS
        node = await graph.get(platform_post_id, token, {"fields": fields})
        shares = summary_count(node, "shares")
        return Metrics(
            likes=summary_count(node, "reactions"),
            comments=summary_count(node, "comments"),
            shares=shares if shares is not None or not is_post else 0,
        )

    async def refresh_token(self, ctx: AdapterContext, creds: Credentials) -> TokenSet:
        """Extend the user token (see ``accounts`` for Graph's token model).

        Graph has no refresh tokens: exchanging the current long-lived user token again with
        ``fb_exchange_token`` (which needs the app's id and secret) returns a current
        long-lived token, and once it has expired only a new login helps. Publishing does not
        depend on it: Page tokens obtained with a long-lived user token do not expire. Without
        the app credentials (``ctx.app`` or the constructor's) the token is returned unchanged
        with its remaining lifetime, so publishing carries on with the Page tokens.
        """
        if not creds.access_token:
            raise AuthExpired(_RECONNECT)
        app = self.app or ctx.app
        if app is not None:
            return await accounts.long_lived(ctx, app, creds.access_token)
        left = int((creds.expires_at - clock.now()).total_seconds()) if creds.expires_at else 0
        return TokenSet(creds.access_token, creds.refresh_token, left if left > 0 else None)

    async def whoami(self, ctx: AdapterContext, creds: Credentials) -> Identity:
        """``GET /me?fields=id,name,picture`` with the user token."""
        if not creds.access_token:
            raise AuthExpired(_RECONNECT)
        return await accounts.whoami(ctx, creds.access_token)

    async def list_subaccounts(
        self, ctx: AdapterContext, creds: Credentials
    ) -> list[SubAccountInfo]:
        """The user's Pages (``GET /me/accounts``) with their Page tokens."""
        if not creds.access_token:
            raise AuthExpired(_RECONNECT)
        return await accounts.pages(ctx, creds.access_token)

    def authorize_url(
        self,
        ctx: AdapterContext,
        app: OAuthApp,
        *,
        redirect_uri: str,
        state: str,
        code_challenge: str,
    ) -> str:
        """The Facebook Login dialog. No PKCE on Facebook's code flow: ``code_challenge`` is
        not sent."""
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
        """Code → long-lived user token (about 60 days, no refresh token); ``code_verifier``
        is unused (no PKCE)."""
        return await accounts.exchange_code(ctx, app, code=code, redirect_uri=redirect_uri)

    async def _page(self, graph: Graph, creds: Credentials) -> tuple[str, str]:
        """The target Page and its token (fetched with the user token when not stored)."""
        if not creds.target_id:
            raise Rejected(SUBACCOUNT_HELP, code="subaccount_required")
        if creds.target_token:
            return creds.target_id, creds.target_token
        return creds.target_id, await self._page_token(graph, creds, creds.target_id)

    async def _page_token(self, graph: Graph, creds: Credentials, page_id: str) -> str:
        if not creds.access_token:
            raise AuthExpired(_RECONNECT)
        token = (await graph.get(page_id, creds.access_token, {"fields": "access_token"})).get(
            "access_token"
        )
        if not isinstance(token, str) or not token:
            raise Rejected(
                f"The Facebook user cannot post to Page {page_id}: Facebook gave no Page token "
                "(the user needs the CREATE_CONTENT task on the Page).",
                code="permission_missing",
            )
        return token

    async def _token_for(self, graph: Graph, creds: Credentials, object_id: str) -> str:
        """The Page token for an existing post: the target's, or the Page in a feed post id."""
        if creds.target_token:
            return creds.target_token
        page_id = creds.target_id or (object_id.split("_", 1)[0] if "_" in object_id else None)
        if page_id:
            return await self._page_token(graph, creds, page_id)
        if not creds.access_token:
            raise AuthExpired(_RECONNECT)
        return creds.access_token


Adapter = FacebookAdapter
