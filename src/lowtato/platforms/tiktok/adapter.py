"""Lowtato posts → TikTok direct posts (docs/reference/platforms.md §5).

A post is, in order:

1. ``POST /v2/post/publish/creator_info/query/`` — mandatory before a direct post: the
   creator's ``privacy_level_options`` (the post's ``privacy_level`` must be one of them, else
   the post is refused here, naming the allowed ones, before anything is sent; they are also
   handed back in ``ctx.learned`` for the account, as at connect, so the next post is checked
   when it is created) and the interactions the creator turned off (never offered as on);
2. a video: ``POST /v2/post/publish/video/init/`` with ``FILE_UPLOAD`` (the file is fetched and
   sent in TikTok's chunks, ``upload``) or ``PULL_FROM_URL`` (TikTok downloads it; the URL
   prefix must be verified in the operator's TikTok app); photos: ``POST
   /v2/post/publish/content/init/`` with ``PULL_FROM_URL`` (the only way for photos), the
   text as the description and ``options.title`` as the title;
3. ``POST /v2/post/publish/status/fetch/`` until ``PUBLISH_COMPLETE`` or ``FAILED``, bounded.

The call that makes the post is the pull init, or the final chunk of an upload: only there is
a lost answer an unknown outcome. Once it succeeded the post exists, so nothing after it (status
polling) raises a retryable error. A public post gets its id only after TikTok's moderation
(``PUBLISH_COMPLETE`` with an empty id list is normal): the post is then recorded under its
``publish_id`` (``PENDING_PREFIX``) with the creator's profile as its URL, and metrics resolve
the id later.

TikTok has no API to delete a post (§5 "Delete"): ``delete`` says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import mimetypes
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from lowtato.platforms.base import (
    ALLOWED_OPTIONS,
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
from lowtato.platforms.errors import AuthExpired, PlatformError, Rejected, UnknownOutcome
from lowtato.platforms.names import Platform
from lowtato.platforms.rules import check_allowed
from lowtato.platforms.tiktok.client import DEFAULT_AUTH_URL, DEFAULT_BASE_URL, TikTok, token
from lowtato.platforms.tiktok.upload import DEFAULT_CHUNK, plan_chunks, upload_video

__all__ = ["DEFAULT_AUTH_URL", "DEFAULT_BASE_URL", "PENDING_PREFIX", "Adapter"]

SCOPES = "user.info.basic,user.info.profile,video.publish,video.list"
"""§5 Auth: who am I (+ username), direct post, and reading videos (metrics, reconcile)."""
PENDING_PREFIX = "publish:"
"""``platform_post_id`` of a post TikTok has not given a public id yet: ``publish:{id}``."""
PROFILE_URL = "https://www.tiktok.com/@{username}"
USER_FIELDS = "open_id,union_id,avatar_url,display_name,username"
VIDEO_FIELDS = "id,title,video_description,create_time,share_url"
METRIC_FIELDS = "id,view_count,like_count,comment_count,share_count"
FIND_PAGE_SIZE = 20  # video/list's max_count
FIND_MAX_PAGES = 5


def _kind_of(mime_type: str | None) -> str | None:
    family = (mime_type or "").partition("/")[0]
    return family if family in ("image", "video") else None


async def _media_kind(ctx: AdapterContext, media: Media) -> str:
    """image or video: from the request, else the URL's extension, else the bytes."""
    if media.kind in ("image", "video"):
        return media.kind
    guessed = mimetypes.guess_type(urlsplit(media.url).path, strict=False)[0]
    kind = _kind_of(media.mime_type) or _kind_of(guessed)
    if kind is None and ctx.fetch is not None:
        kind = _kind_of((await ctx.fetch(media)).mime_type)
    if kind is None:
        raise Rejected(
            f"Cannot tell whether {media.url} is a photo or a video; use a URL ending in .jpg, "
            ".webp or .mp4.",
            code="invalid_media",
        )
    return kind


def allowed_options(creator: dict[str, Any]) -> dict[str, list[str]]:
    """What creator info says this creator may use (``base.ALLOWED_OPTIONS``)."""
    return {"privacy_level": [str(o) for o in creator.get("privacy_level_options") or []]}


def _interactions(
    options: dict[str, Any], creator: dict[str, Any], names: tuple[str, ...]
) -> dict[str, bool]:
    """``disable_*`` flags: what the post asks, forced on where the creator turned it off."""
    return {
        f"disable_{name}": bool(options.get(f"disable_{name}")) or bool(
            creator.get(f"{name}_disabled")
        )
        for name in names
    }  # fmt: skip


class Adapter:
    """TikTok's live adapter. ``app`` is the operator's TikTok app (client key + secret), needed
    to refresh tokens; the registry hands it over in ``ctx.app``."""

    capabilities: Capabilities = CAPABILITIES[Platform.TIKTOK]
    # Seconds between status checks (about 90 s in all; status/fetch allows 30 a minute).
    poll_delays: tuple[float, ...] = (2.0, 3.0, 5.0, 5.0, 10.0, 10.0, 10.0, 15.0, 15.0, 15.0)
    chunk_bytes: int = DEFAULT_CHUNK
    # A post shows in video/list only once processed; a miss before this is inconclusive.
    find_settle_seconds: float = 300.0

    def __init__(self, app: OAuthApp | None = None) -> None:
        self.app = app

    async def publish(
        self, ctx: AdapterContext, creds: Credentials, req: PublishRequest
    ) -> Published:
        client = TikTok(ctx, creds.access_token)
        kinds = [await _media_kind(ctx, m) for m in req.media]
        if not kinds or ("video" in kinds and len(kinds) > 1):
            raise Rejected(
                "A TikTok post is one video, or 1-35 photos; text alone cannot be posted.",
                code="invalid_content",
            )
        creator = await _creator_info(client)
        allowed = ctx.learned[ALLOWED_OPTIONS] = allowed_options(creator)
        # TikTok would answer privacy_level_option_mismatch; refused here, naming the levels.
        check_allowed(Platform.TIKTOK, allowed, req.options)
        privacy = str(req.options["privacy_level"])
        if kinds[0] == "video":
            publish_id = await self._video(ctx, client, req, creator, privacy)
            kind = "video"
        else:
            publish_id = await self._photos(client, req, creator, privacy)
            kind = "photo"
        return await self._settle(client, creds, publish_id, kind)

    def _post_info(self, req: PublishRequest, privacy: str) -> dict[str, Any]:
        return {
            "privacy_level": privacy,
            "brand_content_toggle": bool(req.options.get("brand_content_toggle")),
            "brand_organic_toggle": bool(req.options.get("brand_organic_toggle")),
        }

    async def _video(
        self, ctx: AdapterContext, client: TikTok, req: PublishRequest,
        creator: dict[str, Any], privacy: str,
    ) -> str:  # fmt: skip
        post_info = {
            **self._post_info(req, privacy),
            "title": req.text,  # a video's caption is its title (≤2,200, §5)
            **_interactions(req.options, creator, ("comment", "duet", "stitch")),
        }
        media = req.media[0]
        if req.options.get("video_source") == "PULL_FROM_URL":
            body = {"post_info": post_info,
                    "source_info": {"source": "PULL_FROM_URL", "video_url": media.url}}  # fmt: skip
            data = await client.call("POST", "/v2/post/publish/video/init/", body=body,
                                     action="sending the video URL", create=True)  # fmt: skip
            return _publish_id(data, created=True)
        if ctx.fetch is None:
            raise Rejected(
                "This server cannot download media for upload to TikTok (no media fetcher).",
                code="media_unavailable",
            )
        file = await ctx.fetch(media)
        plan = plan_chunks(file.size, self.chunk_bytes)
        data = await client.call(
            "POST", "/v2/post/publish/video/init/",
            body={"post_info": post_info, "source_info": plan.source_info()},
            action="starting the video upload",
        )  # fmt: skip
        upload_url = data.get("upload_url")
        if not isinstance(upload_url, str) or not upload_url:
            raise Rejected("TikTok's upload init answer had no upload_url.", code="platform_error")
        publish_id = _publish_id(data)
        await upload_video(client, upload_url, file, plan)
        return publish_id

    async def _photos(
        self, client: TikTok, req: PublishRequest, creator: dict[str, Any], privacy: str
    ) -> str:
        post_info = {
            **self._post_info(req, privacy),
            "description": req.text,
            **_interactions(req.options, creator, ("comment",)),
        }
        if req.options.get("title"):
            post_info["title"] = str(req.options["title"])
        body = {
            "media_type": "PHOTO",
            "post_mode": "DIRECT_POST",
            "post_info": post_info,
            "source_info": {
                "source": "PULL_FROM_URL",  # §5 Photos: the only source for photos
                "photo_images": [m.url for m in req.media],
                "photo_cover_index": 0,
            },
        }
        data = await client.call("POST", "/v2/post/publish/content/init/", body=body,
                                 action="sending the photos", create=True)  # fmt: skip
        return _publish_id(data, created=True)

    async def _settle(
        self, client: TikTok, creds: Credentials, publish_id: str, kind: str
    ) -> Published:
        """Poll ``status/fetch`` (bounded). Only ``FAILED`` fails the post: it was accepted, so
        any other trouble (a lost status answer, a slow moderation) must not look retryable."""
        status = "PROCESSING_UPLOAD"
        for delay in (0.0, *self.poll_delays):
            await asyncio.sleep(delay)
            try:
                data = await client.call(
                    "POST", "/v2/post/publish/status/fetch/", body={"publish_id": publish_id},
                    action="checking the post's status",
                )  # fmt: skip
            except PlatformError:
                break
            status = str(data.get("status") or status)
            if status == "FAILED":
                reason = str(data.get("fail_reason") or "no reason given")
                raise Rejected(
                    f"TikTok could not publish the {kind} ({reason}). Check the media against "
                    "TikTok's rules (MP4/H.264, 3 s to the creator's maximum, JPEG/WEBP photos "
                    "≤1080p), then publish again.",
                    code="processing_failed",
                )
            ids = [str(i) for i in data.get("publicaly_available_post_id") or [] if i]  # sic, §5
            if status == "PUBLISH_COMPLETE" and ids:
                return self._published(creds, ids[0], {"publish_id": publish_id, "kind": kind})
        extra = {"publish_id": publish_id, "kind": kind, "status": status}
        return Published(
            f"{PENDING_PREFIX}{publish_id}", PROFILE_URL.format(username=creds.username), extra
        )

    def _published(
        self, creds: Credentials, post_id: str, extra: dict[str, Any], made: datetime | None = None
    ) -> Published:
        url = self.capabilities.public_url.format(username=creds.username, id=post_id)
        return Published(post_id, url, extra, created_at=made)

    async def find_published(
        self, ctx: AdapterContext, creds: Credentials, req: PublishRequest, since: datetime
    ) -> Published | None:
        """The post ``req`` made since ``since``, from the creator's ``POST /v2/video/list/``
        (newest first; photo posts are listed there too): TikTok keeps no field for our id,
        so ours is the one whose caption (video ``title``, photo ``video_description``) is our
        text. A post still in moderation is not listed yet: ``find_settle_seconds`` keeps
        such a miss inconclusive."""
        client = TikTok(ctx, creds.access_token)
        want = req.text.strip()
        cursor: int | None = None
        for _ in range(FIND_MAX_PAGES):
            body: dict[str, Any] = {"max_count": FIND_PAGE_SIZE}
            if cursor is not None:
                body["cursor"] = cursor
            data = await client.call(
                "POST", "/v2/video/list/", params={"fields": VIDEO_FIELDS}, body=body,
                action="listing the creator's recent posts",
            )  # fmt: skip
            for video in data.get("videos") or []:
                made = video.get("create_time")
                if not isinstance(made, int | float):
                    continue
                created = datetime.fromtimestamp(made, UTC)
                if created < since.replace(microsecond=0):
                    return None  # newest first: the rest is older
                texts = {str(video.get(k) or "").strip() for k in ("title", "video_description")}
                if want in texts and video.get("id"):
                    return self._published(creds, str(video["id"]), {"reconciled": True}, created)
            cursor = data.get("cursor") if isinstance(data.get("cursor"), int) else None
            if not data.get("has_more") or cursor is None:
                return None
        return None

    async def delete(self, ctx: AdapterContext, creds: Credentials, platform_post_id: str) -> None:
        raise Rejected(
            "TikTok has no API to delete a post (docs/reference/platforms.md §5); delete it in "
            "the TikTok app.",
            code="unsupported",
        )

    async def fetch_metrics(
        self, ctx: AdapterContext, creds: Credentials, platform_post_id: str
    ) -> Metrics:
        """``POST /v2/video/query/`` for the post's counters. A post recorded under its
        ``publish_id`` (moderation was pending) is looked up in ``status/fetch`` first; with
        no public id yet it has no metrics."""
        client = TikTok(ctx, creds.access_token)
        video_id = platform_post_id
        if video_id.startswith(PENDING_PREFIX):
            data = await client.call(
                "POST", "/v2/post/publish/status/fetch/",
                body={"publish_id": video_id.removeprefix(PENDING_PREFIX)},
                action="looking up the post's public id",
            )  # fmt: skip
            ids = [str(i) for i in data.get("publicaly_available_post_id") or [] if i]
            if not ids:
                return Metrics()
            video_id = ids[0]
        data = await client.call(
            "POST", "/v2/video/query/", params={"fields": METRIC_FIELDS},
            body={"filters": {"video_ids": [video_id]}}, action="reading the post's metrics",
        )  # fmt: skip
        for video in data.get("videos") or []:
            if str(video.get("id")) == video_id:
                return Metrics(
                    likes=_count(video, "like_count"), comments=_count(video, "comment_count"),
                    shares=_count(video, "share_count"), views=_count(video, "view_count"),
                )  # fmt: skip
        raise Rejected(f"TikTok does not list the post {video_id}.", code="not_found")

    async def refresh_token(self, ctx: AdapterContext, creds: Credentials) -> TokenSet:
        """``grant_type=refresh_token``. TikTok rotates: the answer's refresh token replaces
        the old one, which is dead from now on (§5 Auth)."""
        if not creds.refresh_token:
            raise AuthExpired("No TikTok refresh token is stored; reconnect the account.",
                              kind="expired")  # fmt: skip
        app = self.app or ctx.app
        if app is None:
            raise AuthExpired(
                "This server has no TikTok app configured (client key and secret), so the "
                "token cannot be refreshed; the operator should set it, then reconnect.",
                kind="expired",
            )
        return await token(ctx, {
            "grant_type": "refresh_token", "refresh_token": creds.refresh_token,
            "client_key": app.client_id, "client_secret": app.client_secret,
        }, refreshing=True)  # fmt: skip

    async def whoami(self, ctx: AdapterContext, creds: Credentials) -> Identity:
        """``GET /v2/user/info/``: ``open_id`` (the account id), ``username`` (the handle in
        public URLs), ``display_name`` and avatar. Then creator info, so the privacy levels
        the creator allows are known (``ctx.learned``) and posts can be checked when they are
        created; a token without ``video.publish``, or a refusal, only leaves them unknown."""
        client = TikTok(ctx, creds.access_token)
        data = await client.call(
            "GET", "/v2/user/info/", params={"fields": USER_FIELDS},
            action="reading the creator's profile",
        )  # fmt: skip
        with contextlib.suppress(PlatformError):  # each publish asks creator info again
            ctx.learned[ALLOWED_OPTIONS] = allowed_options(await _creator_info(client))
        found = data.get("user")
        user: dict[str, Any] = found if isinstance(found, dict) else {}
        open_id = str(user.get("open_id") or "")
        if not open_id:
            raise Rejected("TikTok's profile answer had no open_id.", code="platform_error")
        name = str(user.get("display_name") or "")
        avatar = user.get("avatar_url")
        return Identity(
            platform_user_id=open_id,
            username=str(user.get("username") or name or open_id),
            fullname=name,
            profile_image_url=str(avatar) if avatar else None,
        )

    async def list_subaccounts(
        self, ctx: AdapterContext, creds: Credentials
    ) -> list[SubAccountInfo]:
        return []  # a TikTok account posts as itself only

    def authorize_url(
        self, ctx: AdapterContext, app: OAuthApp, *, redirect_uri: str, state: str,
        code_challenge: str,
    ) -> str:  # fmt: skip
        """TikTok's consent page (OAuth v2, ``client_key``). PKCE is for desktop and mobile
        apps (§5 Auth); a server-side web app like Lowtato uses the client secret, so
        ``code_challenge`` is not sent and ``state`` protects the callback."""
        params = {
            "client_key": app.client_id,
            "scope": SCOPES,
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "state": state,
        }
        return f"{ctx.auth_url}/v2/auth/authorize/?{urlencode(params, quote_via=quote)}"

    async def exchange_code(
        self, ctx: AdapterContext, app: OAuthApp, *, code: str, redirect_uri: str,
        code_verifier: str,
    ) -> TokenSet:  # fmt: skip
        return await token(ctx, {
            "client_key": app.client_id, "client_secret": app.client_secret, "code": code,
            "grant_type": "authorization_code", "redirect_uri": redirect_uri,
        }, refreshing=False)  # fmt: skip


async def _creator_info(client: TikTok) -> dict[str, Any]:
    return await client.call(
        "POST", "/v2/post/publish/creator_info/query/",
        action="reading the creator's posting settings",
    )  # fmt: skip


def _publish_id(data: dict[str, Any], *, created: bool = False) -> str:
    publish_id = data.get("publish_id")
    if not isinstance(publish_id, str) or not publish_id:
        if created:  # TikTok said ok: the post may exist
            raise UnknownOutcome("TikTok accepted the post without saying its publish_id")
        raise Rejected("TikTok's init answer had no publish_id.", code="platform_error")
    return publish_id


def _count(video: dict[str, Any], name: str) -> int | None:
    value = video.get(name)
    return int(value) if isinstance(value, int | float) else None
