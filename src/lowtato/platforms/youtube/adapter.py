"""The YouTube adapter: our post model → a ``videos.insert`` resumable upload
(docs/reference/platforms.md §9). One post is one video; ``post_type: short`` marks a Short (no
API flag exists: a vertical or square video up to 3 minutes is one, ``#Shorts`` is a hint).
Accounts connect with Google OAuth (offline access, PKCE); the token acts for the channel
picked at consent, so there are no subaccounts."""

from __future__ import annotations

import asyncio
from datetime import datetime
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
)
from lowtato.platforms.capabilities import CAPABILITIES, Capabilities
from lowtato.platforms.errors import AuthExpired, PlatformError, Rejected
from lowtato.platforms.names import Platform
from lowtato.platforms.youtube.client import YouTubeClient, token, token_url
from lowtato.platforms.youtube.upload import UploadRules, start_session, upload

DEFAULT_BASE_URL = "https://www.googleapis.com"
DEFAULT_AUTH_URL = "https://accounts.google.com"
SCOPES = (
    "https://www.googleapis.com/auth/youtube.upload "  # videos.insert
    "https://www.googleapis.com/auth/youtube.force-ssl"  # reads, comments, delete (§9 Auth)
)
SHORTS_TAG = "#Shorts"
DESCRIPTION_BYTES = 5000
FIND_PAGES = 2  # 100 newest uploads: the lost one is minutes old


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class Adapter:
    capabilities: Capabilities = CAPABILITIES[Platform.YOUTUBE]
    # Processing polls after the upload (bounded; tests set them to 0). A video still
    # processing afterwards is published: the upload succeeded.
    poll_delays: tuple[float, ...] = (2.0, 5.0, 10.0, 15.0)
    rules = UploadRules()
    find_settle_seconds = 300  # the uploads playlist lists a new video with a delay

    def _snippet(self, req: PublishRequest) -> dict[str, Any]:
        options = req.options
        title = str(options["title"])
        description = str(options.get("description") or req.text)
        if options.get("post_type") == "short" and SHORTS_TAG.lower() not in (
            f"{title} {description}".lower()
        ):
            hinted = f"{description}\n\n{SHORTS_TAG}".strip()
            if len(hinted.encode()) <= DESCRIPTION_BYTES:
                description = hinted
        category = str(options.get("category_id") or "22")  # 22 = People & Blogs (§9 Limits)
        snippet: dict[str, Any] = {"title": title, "description": description,
                                   "categoryId": category}  # fmt: skip
        if options.get("tags"):
            snippet["tags"] = list(options["tags"])
        return snippet

    def _body(self, req: PublishRequest) -> dict[str, Any]:
        status = {
            "privacyStatus": str(req.options.get("privacy_status") or "public"),
            "selfDeclaredMadeForKids": bool(req.options.get("made_for_kids", False)),
        }
        return {"snippet": self._snippet(req), "status": status}

    def _published(self, video_id: str, short: bool, extra: dict[str, Any]) -> Published:
        url = (f"https://www.youtube.com/shorts/{video_id}" if short
               else self.capabilities.public_url.format(id=video_id))  # fmt: skip
        return Published(platform_post_id=video_id, public_url=url, extra=extra)

    async def publish(
        self, ctx: AdapterContext, creds: Credentials, req: PublishRequest
    ) -> Published:
        if len(req.media) != 1:
            raise Rejected("A YouTube post is exactly one video.", code="invalid_content")
        if ctx.fetch is None:
            raise Rejected("This server cannot download media for upload to YouTube.",
                           code="media_unavailable")  # fmt: skip
        file = await ctx.fetch(req.media[0])
        if not file.mime_type.startswith("video/"):
            raise Rejected(f"YouTube takes videos only, not {file.mime_type}.",
                           code="media_unsupported")  # fmt: skip
        client = YouTubeClient(ctx, creds.access_token)
        notify = bool(req.options.get("notify_subscribers", True))
        session = await start_session(client, self._body(req), file, notify=notify)
        video = await upload(client, session, file, self.rules)
        video_id = str(video.get("id") or "")
        extra: dict[str, Any] = {"upload_status": await self._processed(client, video_id)}
        first_comment = req.options.get("first_comment")
        if first_comment:
            try:
                extra["first_comment_id"] = await self._comment(
                    client, video_id, str(first_comment)
                )
            except PlatformError as exc:  # the video exists: never fail (and re-upload) it now
                extra["first_comment_error"] = f"The first comment was not posted: {exc.reason}"
        return self._published(video_id, req.options.get("post_type") == "short", extra)

    async def _processed(self, client: YouTubeClient, video_id: str) -> str:
        """Poll ``status.uploadStatus`` a bounded number of times; failed/rejected → Rejected."""
        state = "uploaded"
        for delay in (0.0, *self.poll_delays):
            await asyncio.sleep(delay)
            try:
                body = await client.api_json("/videos", action="reading the video's status",
                                             params={"part": "status", "id": video_id})  # fmt: skip
            except PlatformError:
                return state  # the video exists; its processing state is only informative
            items = body.get("items") or []
            status = (items[0].get("status") or {}) if items else {}
            state = str(status.get("uploadStatus") or state)
            if state in ("failed", "rejected"):
                why = status.get("failureReason") or status.get("rejectionReason") or "unknown"
                raise Rejected(
                    f"YouTube {state} the uploaded video ({why}); it stays in the channel's "
                    "uploads with that status. Fix the file and publish again.",
                    code="invalid_media",
                )
            if state == "processed":
                break
        return state

    async def _comment(self, client: YouTubeClient, video_id: str, text: str) -> str:
        body = await client.api_json(
            "/commentThreads", method="POST", action="adding the first comment",
            params={"part": "snippet"},
            json={"snippet": {"videoId": video_id,
                              "topLevelComment": {"snippet": {"textOriginal": text}}}},
        )  # fmt: skip
        return str(body.get("id") or "")

    async def find_published(
        self, ctx: AdapterContext, creds: Credentials, req: PublishRequest, since: datetime
    ) -> Published | None:
        """The video ``req`` uploaded, from the channel's uploads playlist (newest first),
        matched by title and description (YouTube keeps no id of ours)."""
        client = YouTubeClient(ctx, creds.access_token)
        channels = await client.api_json(
            "/channels", action="finding the uploads playlist",
            params={"part": "contentDetails", "mine": "true"},
        )  # fmt: skip
        items = channels.get("items") or []
        if not items:
            return None
        details = items[0].get("contentDetails") or {}
        playlist = str((details.get("relatedPlaylists") or {}).get("uploads") or "")
        snippet = self._snippet(req)
        page_token = ""
        for _ in range(FIND_PAGES):
            params = {"part": "snippet", "playlistId": playlist, "maxResults": "50"}
            if page_token:
                params["pageToken"] = page_token
            body = await client.api_json("/playlistItems", params=params,
                                         action="listing the channel's uploads")  # fmt: skip
            for item in body.get("items") or []:
                found = item.get("snippet") or {}
                try:
                    published = datetime.fromisoformat(str(found.get("publishedAt")))
                except ValueError:
                    continue  # no usable date: cannot be told apart from older uploads
                if published < since:
                    return None
                same = (found.get("title") == snippet["title"]
                        and str(found.get("description") or "").strip()
                        == snippet["description"].strip())  # fmt: skip
                video_id = (found.get("resourceId") or {}).get("videoId")
                if same and video_id:
                    short = req.options.get("post_type") == "short"
                    return self._published(str(video_id), short, {"reconciled": True})
            page_token = str(body.get("nextPageToken") or "")
            if not page_token:
                return None
        return None

    async def delete(self, ctx: AdapterContext, creds: Credentials, platform_post_id: str) -> None:
        """``DELETE /youtube/v3/videos?id=`` (204)."""
        await YouTubeClient(ctx, creds.access_token).api(
            "DELETE", "/videos", params={"id": platform_post_id}, action="deleting the video"
        )

    async def fetch_metrics(
        self, ctx: AdapterContext, creds: Credentials, platform_post_id: str
    ) -> Metrics:
        """``videos?part=statistics`` (counts are strings). Impressions need the Analytics
        API, which Lowtato does not ask access to (§9 Metrics)."""
        body = await YouTubeClient(ctx, creds.access_token).api_json(
            "/videos", params={"part": "statistics", "id": platform_post_id},
            action="reading the video's statistics",
        )  # fmt: skip
        items = body.get("items") or []
        if not items:
            raise Rejected(f"YouTube has no video {platform_post_id}.", code="not_found")
        stats = items[0].get("statistics") or {}
        return Metrics(likes=_int(stats.get("likeCount")), views=_int(stats.get("viewCount")),
                       comments=_int(stats.get("commentCount")))  # fmt: skip

    async def refresh_token(self, ctx: AdapterContext, creds: Credentials) -> TokenSet:
        if not creds.refresh_token:
            raise AuthExpired("Google issued no refresh token; reconnect the YouTube account.",
                              kind="expired")  # fmt: skip
        if ctx.app is None:
            raise AuthExpired("This server has no Google OAuth app configured to refresh the "
                              "token; reconnect the account.", kind="expired")  # fmt: skip
        form = {"grant_type": "refresh_token", "refresh_token": creds.refresh_token,
                "client_id": ctx.app.client_id, "client_secret": ctx.app.client_secret}  # fmt: skip
        return await token(ctx, token_url(ctx, DEFAULT_AUTH_URL), form, refreshing=True)

    async def whoami(self, ctx: AdapterContext, creds: Credentials) -> Identity:
        """``channels?part=id,snippet&mine=true``: the channel the token acts for."""
        body = await YouTubeClient(ctx, creds.access_token).api_json(
            "/channels", params={"part": "id,snippet", "mine": "true"},
            action="reading the channel",
        )  # fmt: skip
        items = body.get("items") or []
        if not items:
            raise Rejected("The Google account has no YouTube channel; create one, then "
                           "connect again.", code="no_channel")  # fmt: skip
        channel = items[0]
        snippet = channel.get("snippet") or {}
        title = str(snippet.get("title") or channel["id"])
        thumb = ((snippet.get("thumbnails") or {}).get("default") or {}).get("url")
        return Identity(platform_user_id=str(channel["id"]),
                        username=str(snippet.get("customUrl") or title), fullname=title,
                        profile_image_url=str(thumb) if thumb else None)  # fmt: skip

    async def list_subaccounts(
        self, ctx: AdapterContext, creds: Credentials
    ) -> list[SubAccountInfo]:
        return []  # the token acts for the one channel chosen at consent (§9 Auth)

    def authorize_url(
        self, ctx: AdapterContext, app: OAuthApp, *, redirect_uri: str, state: str,
        code_challenge: str,
    ) -> str:  # fmt: skip
        """Offline access (a refresh token) and consent every time, so a reconnect gets a
        new refresh token (§9 Auth); PKCE S256."""
        params = {"response_type": "code", "client_id": app.client_id,
                  "redirect_uri": redirect_uri, "scope": SCOPES, "state": state,
                  "access_type": "offline", "prompt": "consent",
                  "include_granted_scopes": "true", "code_challenge": code_challenge,
                  "code_challenge_method": "S256"}  # fmt: skip
        return f"{ctx.auth_url}/o/oauth2/v2/auth?{urlencode(params, quote_via=quote)}"

    async def exchange_code(
        self, ctx: AdapterContext, app: OAuthApp, *, code: str, redirect_uri: str,
        code_verifier: str,
    ) -> TokenSet:  # fmt: skip
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                "client_id": app.client_id, "client_secret": app.client_secret,
                "code_verifier": code_verifier}  # fmt: skip
        return await token(ctx, token_url(ctx, DEFAULT_AUTH_URL), form, refreshing=False)


__all__ = ["DEFAULT_AUTH_URL", "DEFAULT_BASE_URL", "Adapter"]
