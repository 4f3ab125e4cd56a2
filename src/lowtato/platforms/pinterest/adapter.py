"""The Pinterest adapter: our post → a pin on a board (docs/reference/platforms.md §10).

The board is ``options.board_id`` (required by the options model; the targeted subaccount
when absent); boards are the account's subaccounts. The post's text is the pin's
``description``; ``title``, ``link`` and ``alt_text`` come from the options (a media item's
alt text when the option is absent). Only ``POST /pins`` can leave an unknown outcome; the
lost pin is then looked for among the board's pins by its description, title and link.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

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
from lowtato.platforms.errors import AuthExpired, Rejected
from lowtato.platforms.names import Platform
from lowtato.platforms.pinterest.client import PinterestClient, json_object, token
from lowtato.platforms.pinterest.media import image_source, upload_video, wait_for_video

DEFAULT_BASE_URL = "https://api.pinterest.com/v5"
DEFAULT_AUTH_URL = "https://www.pinterest.com"
SCOPES = "boards:read,boards:write,pins:read,pins:write,user_accounts:read"  # §10 Auth
METRIC_TYPES = "IMPRESSION,SAVE,PIN_CLICK,OUTBOUND_CLICK,TOTAL_COMMENTS,TOTAL_REACTIONS"
METRIC_DAYS = 89  # §10 Metrics: only the last 90 days (Postiz uses 89)
PAGE_SIZE = 100
MAX_PAGES = 5
"""Boards listed and board pins searched: at most 500 of each."""
VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v")  # §10 Video upload [S]
CLOCK_SLACK = timedelta(minutes=2)
"""Pinterest's created_at has second precision and its clock is not ours."""


def _board(creds: Credentials, req: PublishRequest) -> str:
    board = req.options.get("board_id") or creds.target_id
    if not board:
        raise Rejected(
            "A pin needs a board: set options.board_id to one of the boards listed by "
            "GET /api/v1/accounts/{id}/subaccounts.",
            code="subaccount_required",
        )
    return str(board)


def _created(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Adapter:
    capabilities: Capabilities = CAPABILITIES[Platform.PINTEREST]
    find_settle_seconds = 60

    poll_delays: tuple[float, ...] = (1, 2, 3, 5, 5, 10, 10, 15, 15, 30, 30, 60, 60, 60)
    """Pauses between video status reads (about 5 minutes in all); tests patch them to 0."""

    def __init__(
        self,
        app: OAuthApp | None = None,
        *,
        poll_delays: Sequence[float] | None = None,
        retry_after: float = 60.0,
    ) -> None:
        self.app = app
        if poll_delays is not None:
            self.poll_delays = tuple(poll_delays)
        self.retry_after = retry_after

    def _is_video(self, media: Media) -> bool:
        """By the kind the post recorded, else its type, else its file name."""
        if media.kind:
            return media.kind == "video"
        if media.mime_type:
            return media.mime_type in self.capabilities.media.video_mime_types
        return urlsplit(media.url).path.lower().endswith(VIDEO_SUFFIXES)

    def _published(self, pin: dict[str, Any], extra: dict[str, Any]) -> Published:
        pin_id = str(pin["id"])
        return Published(
            platform_post_id=pin_id,
            public_url=self.capabilities.public_url.format(id=pin_id),
            extra=extra,
            created_at=_created(pin.get("created_at")),
        )

    def _fields(self, req: PublishRequest) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if req.text.strip():
            body["description"] = req.text
        for name in ("title", "link"):
            if req.options.get(name):
                body[name] = str(req.options[name])
        alt = req.options.get("alt_text") or next(
            (m.alt_text for m in req.media if m.alt_text), None
        )
        if alt:
            body["alt_text"] = str(alt)
        return body

    async def _media_source(
        self, ctx: AdapterContext, client: PinterestClient, req: PublishRequest
    ) -> dict[str, Any]:
        videos = [m for m in req.media if self._is_video(m)]
        if not videos:
            return await image_source(ctx, req.media)
        if len(req.media) > 1:
            raise Rejected(
                "A Pinterest pin holds one video and nothing else.", code="invalid_content"
            )
        if ctx.fetch is None:
            raise Rejected(
                "This server cannot upload videos to Pinterest.", code="media_unavailable"
            )
        media_id = await upload_video(client, await ctx.fetch(videos[0]))
        await wait_for_video(client, media_id, self.poll_delays, self.retry_after)
        source: dict[str, Any] = {"source_type": "video_id", "media_id": media_id}
        cover = req.options.get("cover_image_url")
        # A cover is required (§10 Video upload [P]); without one the first key frame is used.
        source |= {"cover_image_url": str(cover)} if cover else {"cover_image_key_frame_time": 0}
        return source

    async def publish(
        self, ctx: AdapterContext, creds: Credentials, req: PublishRequest
    ) -> Published:
        board = _board(creds, req)
        client = PinterestClient(ctx, creds.access_token)
        if not req.media:
            raise Rejected("Pinterest pins need an image or a video.", code="invalid_content")
        body = {"board_id": board, **self._fields(req)}
        body["media_source"] = await self._media_source(ctx, client, req)
        response = await client.call(
            "POST", "/pins", json=body, action="creating the pin", create=True
        )
        pin = json_object(response, "creating the pin")
        if not pin.get("id"):
            raise Rejected(
                "Pinterest accepted the pin without saying its id", code="invalid_response"
            )
        return self._published(pin, {"board_id": board})

    async def find_published(
        self, ctx: AdapterContext, creds: Credentials, req: PublishRequest, since: datetime
    ) -> Published | None:
        """The pin ``req`` created since ``since``: the board's pins (``GET
        /boards/{id}/pins``) matched by description, title and link (pins carry no field for
        our id; media URLs are rewritten by Pinterest, so only their count is compared)."""
        board = _board(creds, req)
        client = PinterestClient(ctx, creds.access_token)
        want = self._fields(req)
        earliest = since.astimezone(UTC) - CLOCK_SLACK
        bookmark = ""
        for _ in range(MAX_PAGES):
            params: dict[str, str | int] = {"page_size": PAGE_SIZE}
            if bookmark:
                params["bookmark"] = bookmark
            page = await client.get(f"/boards/{board}/pins", params=params,
                                    action="listing the board's pins")  # fmt: skip
            for pin in page.get("items") or []:
                created = _created(pin.get("created_at")) if isinstance(pin, dict) else None
                if created is None or created < earliest:
                    continue
                same = all(
                    (pin.get(k) or None) == want.get(k) for k in ("description", "title", "link")
                )
                if same and pin.get("id"):
                    return self._published(pin, {"board_id": board, "reconciled": True})
            bookmark = str(page.get("bookmark") or "")
            if not bookmark:
                return None
        return None

    async def delete(self, ctx: AdapterContext, creds: Credentials, platform_post_id: str) -> None:
        """``DELETE /pins/{id}`` (204)."""
        await PinterestClient(ctx, creds.access_token).call(
            "DELETE", f"/pins/{quote(platform_post_id, safe='')}", action="deleting the pin"
        )

    async def fetch_metrics(
        self, ctx: AdapterContext, creds: Credentials, platform_post_id: str
    ) -> Metrics:
        """``GET /pins/{id}/analytics`` over the last 89 days: summary impressions,
        reactions (likes), comments and saves (shares)."""
        today = clock.now().astimezone(UTC).date()
        body = await PinterestClient(ctx, creds.access_token).get(
            f"/pins/{quote(platform_post_id, safe='')}/analytics",
            params={"start_date": (today - timedelta(days=METRIC_DAYS)).isoformat(),
                    "end_date": today.isoformat(), "metric_types": METRIC_TYPES},
            action="reading the pin's analytics",
        )  # fmt: skip
        summary = (body.get("all") or {}).get("summary_metrics") or {}

        def count(name: str) -> int | None:
            value = summary.get(name)
            return int(value) if isinstance(value, int | float) else None

        return Metrics(
            likes=count("TOTAL_REACTIONS"),
            comments=count("TOTAL_COMMENTS"),
            shares=count("SAVE"),
            impressions=count("IMPRESSION"),
        )

    async def refresh_token(self, ctx: AdapterContext, creds: Credentials) -> TokenSet:
        if not creds.refresh_token:
            raise AuthExpired(
                "Pinterest gave no refresh token; reconnect the account.", kind="expired"
            )
        app = self.app or ctx.app
        if app is None:
            raise AuthExpired(
                "The Pinterest token cannot be refreshed: this server has no Pinterest client "
                "id and secret. Reconnect the account.",
                kind="expired",
            )
        form = {"grant_type": "refresh_token", "refresh_token": creds.refresh_token}
        fresh = await token(ctx, app, form, refreshing=True)
        # Continuous refresh hands out a new refresh token; keep the old one if none came.
        return TokenSet(
            fresh.access_token, fresh.refresh_token or creds.refresh_token, fresh.expires_in
        )

    async def whoami(self, ctx: AdapterContext, creds: Credentials) -> Identity:
        """``GET /user_account``: id, username, business name, profile image."""
        body = await PinterestClient(ctx, creds.access_token).get(
            "/user_account", action="reading the user account"
        )
        username = str(body.get("username") or "")
        image = body.get("profile_image")
        return Identity(
            platform_user_id=str(body.get("id") or username),
            username=username,
            fullname=str(body.get("business_name") or username),
            profile_image_url=str(image) if image else None,
        )

    async def list_subaccounts(
        self, ctx: AdapterContext, creds: Credentials
    ) -> list[SubAccountInfo]:
        """The user's boards (``GET /boards``, bookmark pagination)."""
        client = PinterestClient(ctx, creds.access_token)
        boards: list[SubAccountInfo] = []
        bookmark = ""
        for _ in range(MAX_PAGES):
            params: dict[str, str | int] = {"page_size": PAGE_SIZE}
            if bookmark:
                params["bookmark"] = bookmark
            page = await client.get("/boards", params=params, action="listing the boards")
            boards += [
                SubAccountInfo(external_id=str(b["id"]), name=str(b.get("name") or b["id"]),
                               type="pinterest_board")
                for b in page.get("items") or [] if isinstance(b, dict) and b.get("id")
            ]  # fmt: skip
            bookmark = str(page.get("bookmark") or "")
            if not bookmark:
                break
        return boards

    def authorize_url(
        self, ctx: AdapterContext, app: OAuthApp, *, redirect_uri: str, state: str,
        code_challenge: str,
    ) -> str:  # fmt: skip
        """Pinterest's consent page; it documents no PKCE, so ``state`` protects the
        callback and the secret goes with the code exchange."""
        params = {"client_id": app.client_id, "redirect_uri": redirect_uri,
                  "response_type": "code", "scope": SCOPES, "state": state}  # fmt: skip
        return f"{ctx.auth_url}/oauth/?{urlencode(params, quote_via=quote)}"

    async def exchange_code(
        self, ctx: AdapterContext, app: OAuthApp, *, code: str, redirect_uri: str,
        code_verifier: str,
    ) -> TokenSet:  # fmt: skip
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        return await token(ctx, app, form, refreshing=False)


__all__ = ["DEFAULT_AUTH_URL", "DEFAULT_BASE_URL", "Adapter"]
