"""Raw HTTP calls to Pinterest API v5 and the mapping of its failures to the taxonomy.

Pinterest answers errors as ``{"code": <int>, "message": "..."}`` (docs/reference/platforms.md
§10 "Errors", §11):

===================================  ======================================================
Pinterest answer                     raised
===================================  ======================================================
401                                  AuthExpired (refresh, else reconnect)
429                                  RateLimited(after = Retry-After / X-RateLimit-Reset,
                                     else 60 s)
403                                  Rejected(permission_missing)
404                                  Rejected(not_found) — "Board not found" names the fix
other 4xx                            Rejected(invalid_request)
5xx / 408, timeouts, lost answers    Retryable; UnknownOutcome on the create call
===================================  ======================================================
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

import httpx

from lowtato.platforms.base import AdapterContext, OAuthApp, TokenSet
from lowtato.platforms.errorbody import error_json
from lowtato.platforms.errors import (
    AuthExpired,
    RateLimited,
    Rejected,
    Retryable,
    UnknownOutcome,
    token_endpoint_error,
)

DEFAULT_RATE_LIMIT_WAIT = 60.0
"""Pinterest's rate-limit headers are not documented precisely (§10 Rate limits [U]); a minute
lets the per-second and per-minute windows clear."""


def _after(response: httpx.Response) -> float:
    for header in ("retry-after", "x-ratelimit-reset"):
        try:
            seconds = float(response.headers.get(header, ""))
        except ValueError:
            continue
        if seconds > 0:
            return seconds
    return DEFAULT_RATE_LIMIT_WAIT


def describe(response: httpx.Response) -> tuple[str, str]:
    """(message, code) from Pinterest's error body, scrubbed; the status when it has none."""
    body = error_json(response)
    message = str(body.get("message") or body.get("error_description") or "")
    code = body.get("code", body.get("error", ""))
    return message or f"HTTP {response.status_code}", str(code)


def raise_for_status(response: httpx.Response, *, action: str, create: bool = False) -> None:
    status = response.status_code
    if status < 400:
        return
    message, code = describe(response)
    detail = f"{message} (HTTP {status}{f' code {code}' if code else ''})"
    if status == 401:
        raise AuthExpired(
            f"Pinterest refused the access token while {action}: {detail}. "
            "Reconnect the Pinterest account.",
            kind="expired" if "expired" in message.lower() else "revoked",
        )
    if status == 429:
        raise RateLimited(
            f"Pinterest is rate limiting while {action}: {detail}", after=_after(response)
        )
    if status >= 500 or status == 408:
        if create:
            raise UnknownOutcome(
                f"Pinterest answered {detail} to the create call; the pin may exist anyway"
            )
        raise Retryable(f"Pinterest had a temporary failure while {action}: {detail}")
    if status == 403:
        raise Rejected(
            f"Pinterest denied access while {action}: {detail}. The account may lack a "
            "scope (boards:read, pins:write, ...) or the board is not the account's.",
            code="permission_missing",
        )
    if status == 404:
        hint = (
            " Check options.board_id against GET /api/v1/accounts/{id}/subaccounts."
            if "board" in message.lower()
            else ""
        )
        raise Rejected(f"Pinterest found nothing while {action}: {detail}.{hint}", code="not_found")
    raise Rejected(
        f"Pinterest refused the request while {action}: {detail}", code="invalid_request"
    )


def json_object(response: httpx.Response, action: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise Retryable(f"Pinterest sent an unreadable answer while {action}") from exc
    if not isinstance(body, dict):
        raise Retryable(f"Pinterest sent an unexpected answer while {action}")
    return body


async def send(
    ctx: AdapterContext, request: httpx.Request, *, action: str, create: bool = False
) -> httpx.Response:
    """Send ``request`` (the context's client carries the timeout); a transport failure is
    Retryable, or UnknownOutcome on the create call once the request may have left."""
    try:
        return await ctx.http.send(request)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        raise Retryable(
            f"Could not reach Pinterest while {action} ({type(exc).__name__}); will try again."
        ) from exc
    except httpx.TransportError as exc:
        if create:
            raise UnknownOutcome(
                f"Pinterest's answer to the create call was lost ({type(exc).__name__}); "
                "the pin may exist"
            ) from exc
        raise Retryable(
            f"The connection to Pinterest failed while {action} ({type(exc).__name__})"
        ) from exc


class PinterestClient:
    """One user token's calls to ``ctx.base_url`` (``https://api.pinterest.com/v5``)."""

    def __init__(self, ctx: AdapterContext, token: str | None) -> None:
        if not token:
            raise AuthExpired("No Pinterest access token is stored; reconnect the account.")
        self.ctx = ctx
        self.token = token

    async def call(
        self,
        method: str,
        path: str,
        *,
        action: str,
        params: Mapping[str, str | int] | None = None,
        json: Mapping[str, Any] | None = None,
        create: bool = False,
    ) -> httpx.Response:
        request = self.ctx.http.build_request(
            method, f"{self.ctx.base_url}{path}", params=params, json=json,
            headers={"Authorization": f"Bearer {self.token}"},
        )  # fmt: skip
        response = await send(self.ctx, request, action=action, create=create)
        raise_for_status(response, action=action, create=create)
        return response

    async def get(
        self, path: str, *, action: str, params: Mapping[str, str | int] | None = None
    ) -> dict[str, Any]:
        return json_object(await self.call("GET", path, action=action, params=params), action)


async def token(
    ctx: AdapterContext, app: OAuthApp, form: Mapping[str, str], *, refreshing: bool
) -> TokenSet:
    """``POST {base_url}/oauth/token``, form-encoded, client id and secret as HTTP Basic
    (§10 Auth). A refresh answer carries a new refresh token (continuous refresh): it replaces
    the stored one."""
    action = "refreshing the access token" if refreshing else "exchanging the OAuth code"
    basic = base64.b64encode(f"{app.client_id}:{app.client_secret}".encode()).decode()
    request = ctx.http.build_request(
        "POST", f"{ctx.base_url}/oauth/token", data=dict(form),
        headers={"Authorization": f"Basic {basic}", "Accept": "application/json"},
    )  # fmt: skip
    response = await send(ctx, request, action=action)
    if response.status_code >= 400:
        message, code = describe(response)
        error = code if not code.isdigit() else ""
        if not error and response.status_code in (400, 401) and refreshing:
            # Pinterest answers {code, message}; an unusable refresh token is a dead grant.
            error = "invalid_grant" if "token" in message.lower() else ""
        if response.status_code == 401 and not refreshing and not error:
            error = "invalid_client"
        raise token_endpoint_error(
            "Pinterest", response.status_code, error, message,
            refreshing=refreshing, after=_after(response),
        )  # fmt: skip
    body = json_object(response, action)
    if not body.get("access_token"):
        raise Retryable(f"Pinterest's token answer had no access_token while {action}")
    expires = body.get("expires_in")
    refresh = body.get("refresh_token")
    return TokenSet(
        access_token=str(body["access_token"]),
        refresh_token=str(refresh) if refresh else None,
        expires_in=int(expires) if isinstance(expires, int | float) else None,
    )
