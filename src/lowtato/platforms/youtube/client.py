"""Raw HTTP calls to the YouTube Data API v3 and Google's OAuth token endpoint, and the mapping
of every failure to the platform taxonomy (docs/reference/platforms.md §9 "Errors", §11).

=============================================  ===========================================
Google answer                                  raised
=============================================  ===========================================
401 (authError, UNAUTHENTICATED)               AuthExpired
403 quotaExceeded / dailyLimitExceeded,        RateLimited(after = until midnight Pacific,
400 uploadLimitExceeded                        when the daily quota resets)
403/429 rateLimitExceeded, userRateLimit…      RateLimited(after = Retry-After, else 60 s)
403 youtubeSignupRequired                      Rejected(code="no_channel")
403 other                                      Rejected(code="permission_missing")
404                                            Rejected(code="not_found")
400 other                                      Rejected(code="invalid_content")
5xx / 408, connect errors, timeouts            Retryable (the upload module decides when a
                                               lost answer may have created the video)
=============================================  ===========================================
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from lowtato.kit import clock
from lowtato.platforms.base import AdapterContext, TokenSet
from lowtato.platforms.errorbody import error_json
from lowtato.platforms.errors import (
    AuthExpired,
    RateLimited,
    Rejected,
    Retryable,
    token_endpoint_error,
)

GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"  # noqa: S105 - a URL; §9 Base URLs [V]
PACIFIC = ZoneInfo("America/Los_Angeles")
DEFAULT_RATE_LIMIT_WAIT = 60.0
QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded", "uploadLimitExceeded"})
THROTTLE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})


def seconds_until_quota_reset(now: datetime | None = None) -> float:
    """Seconds until the next midnight Pacific, when the daily quota resets (§9 Quota [V])."""
    local = (now or clock.now()).astimezone(PACIFIC)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1.0, (midnight - local).total_seconds())


def reasons(response: httpx.Response) -> tuple[list[str], str]:
    """The ``errors[].reason`` list and the message of Google's error body."""
    error = error_json(response).get("error")
    if not isinstance(error, dict):
        return [], response.reason_phrase or f"HTTP {response.status_code}"
    found = [str(e.get("reason")) for e in error.get("errors") or [] if isinstance(e, dict)]
    return found, str(error.get("message") or response.reason_phrase or "no message")


def raise_for_status(response: httpx.Response, *, action: str) -> None:
    """Raise the taxonomy error for a failed answer; return on 1xx-3xx."""
    status = response.status_code
    if status < 400:
        return
    why, message = reasons(response)
    detail = f"{message} (HTTP {status}{', ' + ', '.join(why) if why else ''})"
    if status == 401:
        raise AuthExpired(
            f"YouTube refused the access token while {action}: {detail}. "
            "Reconnect the YouTube account.",
            kind="expired",
        )
    if QUOTA_REASONS & set(why):
        raise RateLimited(
            f"YouTube's daily quota is used up while {action}: {detail}; it resets at "
            "midnight Pacific time",
            after=seconds_until_quota_reset(),
        )
    if status == 429 or THROTTLE_REASONS & set(why):
        raise RateLimited(f"YouTube is throttling requests while {action}: {detail}",
                          after=_retry_after(response))  # fmt: skip
    if status >= 500 or status == 408:
        raise Retryable(f"YouTube had a temporary failure while {action}: {detail}")
    if "youtubeSignupRequired" in why:
        raise Rejected(
            f"The Google account has no YouTube channel ({detail}); create one, then reconnect.",
            code="no_channel",
        )
    if status == 403:
        raise Rejected(
            f"YouTube denied access while {action}: {detail}. The account may lack a scope "
            "(youtube.upload, youtube.force-ssl); reconnect it.",
            code="permission_missing",
        )
    if status == 404:
        raise Rejected(f"YouTube found nothing while {action}: {detail}", code="not_found")
    raise Rejected(f"YouTube refused the request while {action}: {detail}",
                   code="invalid_content")  # fmt: skip


def _retry_after(response: httpx.Response) -> float:
    try:
        seconds = float(response.headers.get("retry-after", ""))
    except ValueError:
        return DEFAULT_RATE_LIMIT_WAIT
    return seconds if seconds > 0 else DEFAULT_RATE_LIMIT_WAIT


def json_object(response: httpx.Response, action: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise Retryable(f"YouTube sent an unreadable answer while {action}") from exc
    if not isinstance(body, dict):
        raise Retryable(f"YouTube sent an unexpected answer while {action}")
    return body


class YouTubeClient:
    """One access token's calls. Every method raises only ``platforms.errors``; timeouts come
    from ``ctx.http`` (every platform call has one, see ``runtime``)."""

    def __init__(self, ctx: AdapterContext, token: str | None) -> None:
        self.ctx = ctx
        self.token = token

    def auth(self) -> dict[str, str]:
        if not self.token:
            raise AuthExpired("No YouTube access token is stored; reconnect the account.")
        return {"Authorization": f"Bearer {self.token}"}

    async def send(self, request: httpx.Request, *, action: str) -> httpx.Response:
        """Send; transport failures are Retryable (callers that may have created something
        turn them into a probe or UnknownOutcome)."""
        try:
            return await self.ctx.http.send(request)
        except httpx.TransportError as exc:
            raise Retryable(
                f"The connection to YouTube failed while {action} ({type(exc).__name__})"
            ) from exc

    async def api(
        self, method: str, path: str, *, action: str, params: Mapping[str, str] | None = None,
        json: Mapping[str, Any] | None = None,
    ) -> httpx.Response:  # fmt: skip
        """``{base_url}/youtube/v3{path}``, error statuses raised."""
        request = self.ctx.http.build_request(
            method, f"{self.ctx.base_url}/youtube/v3{path}", params=params, json=json,
            headers=self.auth(),
        )  # fmt: skip
        response = await self.send(request, action=action)
        raise_for_status(response, action=action)
        return response

    async def api_json(
        self, path: str, *, action: str, params: Mapping[str, str] | None = None,
        method: str = "GET", json: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        response = await self.api(method, path, action=action, params=params, json=json)
        return json_object(response, action)


def token_url(ctx: AdapterContext, default_auth_url: str) -> str:
    """Google's token endpoint lives on its own host; a configured auth URL (a fake, a proxy)
    serves it at ``/token``."""
    return GOOGLE_TOKEN_URL if ctx.auth_url == default_auth_url else f"{ctx.auth_url}/token"


async def token(
    ctx: AdapterContext, url: str, form: Mapping[str, str], *, refreshing: bool
) -> TokenSet:
    """``POST`` the form to Google's token endpoint → ``TokenSet``. Google usually sends no new
    refresh token on refresh: the stored one stays (§9 Auth)."""
    action = "refreshing the access token" if refreshing else "exchanging the OAuth code"
    request = ctx.http.build_request("POST", url, data=dict(form),
                                     headers={"Accept": "application/json"})  # fmt: skip
    response = await YouTubeClient(ctx, None).send(request, action=action)
    if response.status_code >= 400:
        body = error_json(response)
        raise token_endpoint_error(
            "Google", response.status_code, str(body.get("error") or ""),
            str(body.get("error_description") or ""), refreshing=refreshing,
            after=_retry_after(response) if response.status_code == 429 else None,
        )  # fmt: skip
    body = json_object(response, action)
    if not body.get("access_token"):
        raise Retryable(f"Google's token answer had no access_token while {action}")
    expires = body.get("expires_in")
    refresh = body.get("refresh_token")
    return TokenSet(
        access_token=str(body["access_token"]),
        refresh_token=str(refresh) if refresh else None,
        expires_in=int(expires) if isinstance(expires, int | float) else None,
    )
