"""Raw HTTP calls to TikTok and the mapping of every failure to the platform taxonomy.

Hosts: the API (``ctx.base_url``, ``https://open.tiktokapis.com``) serves ``/v2/...``, the
token endpoint included; the browser host (``ctx.auth_url``, ``https://www.tiktok.com``)
serves only the consent page. Upload URLs are handed out by the init calls. Timeouts are the
shared client's (``LOWTATO_PLATFORM_TIMEOUT_SECONDS``); each chunk is its own request.

Every API answer carries ``{"error": {"code", "message", "log_id"}}``, ``code == "ok"`` on
success (docs/reference/platforms.md §5 "Errors", §11):

=========================================  ================================================
TikTok answer                              raised
=========================================  ================================================
401 ``access_token_invalid``               AuthExpired (reconnect; a refresh came first)
401 ``scope_not_authorized`` / ``…missed`` Rejected(permission_missing)
429 ``rate_limit_exceeded``                RateLimited(after = Retry-After, else 60 s: the
                                           windows are 1-minute sliding windows)
``privacy_level_option_mismatch``,         Rejected(invalid_content)
``unaudited_client_can_only_post_…``
``url_ownership_unverified``               Rejected(media_rejected)
file/duration/frame/picture checks,        Rejected(invalid_media)
``video_pull_failed``, ``photo_pull_failed``
``spam_risk_*``, ``reached_active_user_cap`` Rejected(policy)
other 4xx (``invalid_params`` …)           Rejected(invalid_request)
5xx ``internal_error``, 408, timeouts      Retryable — UnknownOutcome on the call that
                                           makes the post (``create=True``)
=========================================  ================================================

The OAuth token endpoint answers ``{"error", "error_description", "log_id"}``; see ``token``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from lowtato.platforms.base import AdapterContext, TokenSet
from lowtato.platforms.errorbody import error_json, scrub
from lowtato.platforms.errors import (
    AuthExpired,
    PlatformError,
    RateLimited,
    Rejected,
    Retryable,
    UnknownOutcome,
    token_endpoint_error,
)
from lowtato.platforms.upload_body import Streamed

DEFAULT_BASE_URL = "https://open.tiktokapis.com"
DEFAULT_AUTH_URL = "https://www.tiktok.com"
RATE_LIMIT_WAIT = 60.0
"""docs/reference/platforms.md §5: "retry after a minute (1-minute sliding windows)"."""

JSON_TYPE = "application/json; charset=UTF-8"

_MEDIA_CODES = frozenset({
    "invalid_file_upload", "file_format_check_failed", "duration_check_failed",
    "frame_rate_check_failed", "picture_size_check_failed", "video_pull_failed",
    "photo_pull_failed",
})  # fmt: skip
_CONTENT_CODES = frozenset(
    {"privacy_level_option_mismatch", "unaudited_client_can_only_post_to_private_accounts"}
)
_SCOPE_CODES = frozenset({"scope_not_authorized", "scope_permission_missed"})


def _retry_after(response: httpx.Response) -> float:
    try:
        seconds = float(response.headers.get("retry-after", ""))
    except ValueError:
        return RATE_LIMIT_WAIT
    return seconds if seconds > 0 else RATE_LIMIT_WAIT


def api_error(response: httpx.Response, *, action: str, create: bool) -> PlatformError:
    """The taxonomy error for a TikTok API answer that is not ``ok``."""
    status = response.status_code
    error = error_json(response).get("error")
    error = error if isinstance(error, dict) else {}
    code = str(error.get("code") or "")
    message = str(error.get("message") or "") or response.reason_phrase or "no message"
    detail = f"{message} (HTTP {status}{f' {code}' if code else ''})"
    if code == "rate_limit_exceeded" or status == 429:
        return RateLimited(f"TikTok is rate-limiting this account while {action}: {detail}",
                           after=_retry_after(response))  # fmt: skip
    if code == "access_token_invalid" or (status == 401 and code not in _SCOPE_CODES):
        return AuthExpired(
            f"TikTok refused the access token while {action}: {detail}. Reconnect the TikTok "
            "account.",
            kind="expired" if "expired" in message.lower() else "revoked",
        )
    if status >= 500 or status == 408 or code == "internal_error":
        if create:
            return UnknownOutcome(f"TikTok answered {detail} to the post; it may exist anyway")
        return Retryable(f"TikTok had a temporary failure while {action}: {detail}")
    return _rejection(code, detail, action)


def _rejection(code: str, detail: str, action: str) -> Rejected:
    if code in _SCOPE_CODES:
        return Rejected(
            f"TikTok says the token lacks a permission while {action}: {detail}. Reconnect the "
            "account and grant video.publish, video.list and user.info.basic.",
            code="permission_missing",
        )
    if code in _CONTENT_CODES:
        return Rejected(f"TikTok refused the post's settings: {detail}", code="invalid_content")
    if code == "url_ownership_unverified":
        return Rejected(
            f"TikTok pulls media only from URL prefixes verified in the operator's TikTok app: "
            f"{detail}. Verify the media host there, or upload the video instead "
            "(options.video_source FILE_UPLOAD).",
            code="media_rejected",
        )
    if code in _MEDIA_CODES:
        return Rejected(f"TikTok refused the media: {detail}", code="invalid_media")
    if code.startswith("spam_risk") or code == "reached_active_user_cap":
        return Rejected(f"TikTok's posting policy refused the post: {detail}", code="policy")
    return Rejected(f"TikTok refused the request while {action}: {detail}", code="invalid_request")


def _transport_error(exc: httpx.TransportError, *, action: str, create: bool) -> PlatformError:
    name = type(exc).__name__
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return Retryable(f"Could not reach TikTok while {action} ({name}); will try again.")
    if create:
        return UnknownOutcome(f"TikTok's answer to the post was lost ({name}); it may exist")
    return Retryable(f"The connection to TikTok failed while {action} ({name}); will try again.")


def _json(response: httpx.Response, *, action: str, create: bool) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        return body
    if create:
        raise UnknownOutcome(f"TikTok's answer to the post was unreadable while {action}")
    raise Retryable(f"TikTok sent an unreadable answer while {action}")


class TikTok:
    """One access token's calls to TikTok. Every method raises only ``platforms.errors``."""

    def __init__(self, ctx: AdapterContext, token: str | None) -> None:
        self.ctx = ctx
        self.token = token

    def _auth(self) -> dict[str, str]:
        if not self.token:
            raise AuthExpired("No TikTok access token is stored; reconnect the account.")
        return {"Authorization": f"Bearer {self.token}"}

    async def _send(self, request: httpx.Request, *, action: str, create: bool) -> httpx.Response:
        try:
            return await self.ctx.http.send(request)
        except httpx.TransportError as exc:
            raise _transport_error(exc, action=action, create=create) from exc

    async def call(
        self,
        method: str,
        path: str,
        *,
        action: str,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        create: bool = False,
    ) -> dict[str, Any]:
        """``ctx.base_url + path``; returns the answer's ``data`` object."""
        headers = self._auth()
        if method == "POST":
            headers["Content-Type"] = JSON_TYPE  # §5: creator_info wants it even when empty
        request = self.ctx.http.build_request(
            method, f"{self.ctx.base_url}{path}", headers=headers, params=params,
            content=None if body is None else json.dumps(body, separators=(",", ":")).encode(),
        )  # fmt: skip
        response = await self._send(request, action=action, create=create)
        if response.status_code >= 400:
            raise api_error(response, action=action, create=create)
        answer = _json(response, action=action, create=create)
        error = answer.get("error")
        if isinstance(error, dict) and error.get("code") not in (None, "ok"):
            raise api_error(response, action=action, create=create)
        data = answer.get("data")
        return data if isinstance(data, dict) else {}

    async def put_chunk(self, url: str, body: Streamed, *, action: str, final: bool) -> int:
        """``PUT`` one chunk to an upload URL TikTok handed out (pre-signed: no token). The
        final chunk is the call that makes the post."""
        request = self.ctx.http.build_request(
            "PUT", url, headers=body.headers, content=body.content
        )
        response = await self._send(request, action=action, create=final)
        if response.status_code >= 400:
            raise api_error(response, action=action, create=final)
        return response.status_code


async def token(ctx: AdapterContext, form: Mapping[str, str], *, refreshing: bool) -> TokenSet:
    """``POST {base_url}/v2/oauth/token/`` (form-encoded) → ``TokenSet``.

    TikTok answers ``{open_id, scope, access_token, expires_in, refresh_token,
    refresh_expires_in, token_type}``; a refresh returns a *new* refresh token and kills the
    old one (docs/reference/platforms.md §5 Auth), so the returned one must be stored at once
    (``accounts.tokens`` does). Refusals are ``{"error", "error_description", "log_id"}``
    (sometimes with HTTP 200), classified by ``errors.token_endpoint_error``: ``invalid_grant``
    means reconnect."""
    action = "refreshing the access token" if refreshing else "exchanging the OAuth code"
    request = ctx.http.build_request(
        "POST", f"{ctx.base_url}/v2/oauth/token/", data=dict(form),
        headers={"Accept": "application/json"},
    )  # fmt: skip
    response = await TikTok(ctx, None)._send(request, action=action, create=False)
    body = error_json(response) if response.status_code >= 400 else _json(
        response, action=action, create=False
    )  # fmt: skip
    error = body.get("error")
    if response.status_code >= 400 or (isinstance(error, str) and error):
        status = response.status_code if response.status_code >= 400 else 400
        raise token_endpoint_error(
            "TikTok", status, str(error or ""), scrub(body.get("error_description") or ""),
            refreshing=refreshing, after=_retry_after(response),
        )  # fmt: skip
    if not body.get("access_token"):
        raise Retryable(f"TikTok's token answer had no access_token while {action}")
    expires = body.get("expires_in")
    refresh = body.get("refresh_token")
    return TokenSet(
        access_token=str(body["access_token"]),
        refresh_token=str(refresh) if refresh else None,
        expires_in=int(expires) if isinstance(expires, int | float) else None,
    )
