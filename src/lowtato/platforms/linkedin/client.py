"""Raw HTTP calls to LinkedIn and the mapping of every failure to the platform taxonomy.

Hosts: the API (``ctx.base_url``, ``https://api.linkedin.com``) serves ``/rest/*`` (versioned:
``LinkedIn-Version: YYYYMM`` and ``X-Restli-Protocol-Version: 2.0.0`` on every call) and
``/v2/*`` (``userinfo``, ``socialActions``, share statistics); the browser host
(``ctx.auth_url``, ``https://www.linkedin.com``) serves ``/oauth/v2/*``, including the token
endpoint. Rest.li 2.0 wants URNs percent-encoded wherever they sit in a URL (path segments and
query values), and ``List(...)`` syntax left as is — ``urn_segment`` and ``query`` do that.

Failure mapping (docs/reference/platforms.md §4 "Errors" and §11):

=====================================  ===================================================
LinkedIn answer                        raised
=====================================  ===================================================
401 (EXPIRED/REVOKED_ACCESS_TOKEN)     AuthExpired
429                                    RateLimited(after = Retry-After, else 60 s)
400/422 DUPLICATE_POST / "duplicate"   Rejected(code="duplicate")
403 ACCESS_DENIED                      Rejected(code="permission_missing")
404                                    Rejected(code="not_found")
426 (API version sunset)               Rejected(code="api_version")
422 other                              Rejected(code="content_rejected")
other 4xx                              Rejected(code="invalid_request")
5xx / 408, connect errors, timeouts    Retryable — except on the create call (``create=True``):
                                       a timeout, dropped connection, 408 or 5xx there is
                                       UnknownOutcome (the post may exist; reconcile)
=====================================  ===================================================

The OAuth token endpoint answers ``{"error", "error_description"}`` instead; see ``token``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from lowtato.platforms.base import AdapterContext, TokenSet
from lowtato.platforms.errorbody import error_json
from lowtato.platforms.errors import DEAD_GRANT_ERRORS as RFC_DEAD_GRANT
from lowtato.platforms.errors import (
    AuthExpired,
    RateLimited,
    Rejected,
    Retryable,
    UnknownOutcome,
    token_endpoint_error,
)
from lowtato.platforms.upload_body import Streamed

LINKEDIN_VERSION = "202610"
"""The Marketing API version we speak (YYYYMM). LinkedIn sunsets a version about a year after
its release and then answers 426; bump this with each review of the Posts API changes."""

# LinkedIn answers ``invalid_request`` ("The provided authorization grant or refresh token is
# invalid, expired or revoked") to a refresh token that is no longer valid.
DEAD_GRANT_ERRORS = RFC_DEAD_GRANT | {"invalid_request"}

DEFAULT_RATE_LIMIT_WAIT = 60.0
"""Seconds to wait after a 429 without ``Retry-After``. LinkedIn documents no rate-limit reset
header (docs/reference/platforms.md §4 Limits, [U]); its quotas are per app and member per day, but
short-term
throttles also answer 429. A minute lets a burst throttle clear, and the publish job's bounded
attempts stop a daily cap from being retried for long."""


def urn_segment(urn: str) -> str:
    """A URN as one percent-encoded path segment or query value (Rest.li 2.0)."""
    return quote(urn, safe="")


def query(**params: str) -> str:
    """A query string whose values are already encoded (Rest.li ``List(...)``, encoded URNs)."""
    return "&".join(f"{key}={value}" for key, value in params.items())


@dataclass(frozen=True, slots=True)
class LinkedInError:
    """LinkedIn's error body: ``{"status", "serviceErrorCode", "code", "message"}``."""

    status: int
    code: str
    message: str
    service_error_code: int | None = None

    @classmethod
    def of(cls, response: httpx.Response) -> LinkedInError:
        body = error_json(response)  # scrubbed: never the raw body (HTML, echoed tokens)
        message = body.get("message") or body.get("error_description") or ""
        code = body.get("code") or body.get("error") or ""
        service = body.get("serviceErrorCode")
        return cls(
            status=response.status_code,
            code=str(code),
            message=str(message) or response.reason_phrase or "no message",
            service_error_code=service if isinstance(service, int) else None,
        )

    def describe(self) -> str:
        code = f" {self.code}" if self.code else ""
        return f"{self.message} (HTTP {self.status}{code})"


def json_object(response: httpx.Response, action: str) -> dict[str, Any]:
    """The JSON object LinkedIn answered; Retryable when the body is not one."""
    try:
        body = response.json()
    except ValueError as exc:
        raise Retryable(f"LinkedIn sent an unreadable answer while {action}") from exc
    if not isinstance(body, dict):
        raise Retryable(f"LinkedIn sent an unexpected answer while {action}")
    return body


def _retry_after(response: httpx.Response) -> float:
    value = response.headers.get("retry-after", "")
    try:
        seconds = float(value)
    except ValueError:
        return DEFAULT_RATE_LIMIT_WAIT
    return seconds if seconds > 0 else DEFAULT_RATE_LIMIT_WAIT


def _is_duplicate(error: LinkedInError) -> bool:
    return error.code == "DUPLICATE_POST" or "duplicate" in error.message.lower()


def raise_for_status(response: httpx.Response, *, action: str, create: bool = False) -> None:
    """Raise the taxonomy error for a failed LinkedIn answer; return on 1xx-3xx.

    ``action`` completes "while …" in messages ("creating the post"). ``create`` marks the call
    that makes the post: a server error there may have created it anyway.
    """
    status = response.status_code
    if status < 400:
        return
    error = LinkedInError.of(response)
    detail = error.describe()
    if status == 401:
        raise AuthExpired(
            f"LinkedIn refused the access token while {action}: {detail}. "
            "Reconnect the LinkedIn account.",
            kind="expired" if "EXPIRED" in error.code.upper() else "revoked",
        )
    if status == 429:
        after = _retry_after(response)
        raise RateLimited(
            f"LinkedIn is throttling this app or member while {action}: {detail}",
            after=after,
        )
    if status >= 500 or status == 408:
        if create:
            raise UnknownOutcome(
                f"LinkedIn answered {detail} to the create call; the post may exist anyway"
            )
        raise Retryable(f"LinkedIn had a temporary failure while {action}: {detail}")
    if (status in (400, 409, 422)) and _is_duplicate(error):
        raise Rejected(
            f"LinkedIn refused the post as a duplicate of a recent one: {detail}. "
            "Change the text before publishing again.",
            code="duplicate",
        )
    if status == 403:
        raise Rejected(
            f"LinkedIn denied access while {action}: {detail}. The account may lack a "
            "permission (w_member_social; for pages w_organization_social and an admin role).",
            code="permission_missing",
        )
    if status == 404:
        raise Rejected(f"LinkedIn found nothing while {action}: {detail}", code="not_found")
    if status == 426:
        raise Rejected(
            f"LinkedIn no longer serves API version {LINKEDIN_VERSION}: {detail}. Upgrade Lowtato.",
            code="api_version",
        )
    if status == 422:
        raise Rejected(f"LinkedIn refused the content: {detail}", code="content_rejected")
    raise Rejected(f"LinkedIn refused the request while {action}: {detail}", code="invalid_request")


class LinkedInClient:
    """One member token's calls to LinkedIn. Every method raises only ``platforms.errors``."""

    def __init__(self, ctx: AdapterContext, token: str | None) -> None:
        self.ctx = ctx
        self.token = token

    def _auth(self) -> dict[str, str]:
        if not self.token:
            raise AuthExpired("No LinkedIn access token is stored; reconnect the account.")
        return {"Authorization": f"Bearer {self.token}"}

    def _api_headers(self) -> dict[str, str]:
        return {
            **self._auth(),
            "LinkedIn-Version": LINKEDIN_VERSION,
            "X-Restli-Protocol-Version": "2.0.0",
        }

    async def send(
        self, request: httpx.Request, *, action: str, create: bool = False, check: bool = True
    ) -> httpx.Response:
        """Send ``request``; transport failures become Retryable, or UnknownOutcome on the
        create call once the request may have left (timeouts after connecting, dropped
        connections). With ``check``, error statuses raise through ``raise_for_status``."""
        try:
            response = await self.ctx.http.send(request)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # Never connected, so nothing was sent.
            raise Retryable(
                f"Could not reach LinkedIn while {action} ({type(exc).__name__}); will try again."
            ) from exc
        except httpx.TransportError as exc:
            if create:
                raise UnknownOutcome(
                    f"LinkedIn's answer to the create call was lost ({type(exc).__name__}); "
                    "the post may exist"
                ) from exc
            raise Retryable(
                f"The connection to LinkedIn failed while {action} ({type(exc).__name__}); "
                "will try again."
            ) from exc
        if check:
            raise_for_status(response, action=action, create=create)
        return response

    async def api(
        self,
        method: str,
        path: str,
        *,
        action: str,
        params: str = "",
        json: Mapping[str, Any] | None = None,
        create: bool = False,
    ) -> httpx.Response:
        """A call to ``ctx.base_url + path`` (``/rest/...`` or ``/v2/...``) with the versioned
        headers; ``params`` is a query string built with ``query``."""
        url = f"{self.ctx.base_url}{path}" + (f"?{params}" if params else "")
        request = self.ctx.http.build_request(method, url, headers=self._api_headers(), json=json)
        return await self.send(request, action=action, create=create)

    async def api_json(
        self, method: str, path: str, *, action: str, params: str = "",
        json: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        response = await self.api(method, path, action=action, params=params, json=json)
        return json_object(response, action)

    async def userinfo(self) -> dict[str, Any]:
        """``GET /v2/userinfo`` (OpenID Connect): ``sub``, ``name``, ``picture``, ``email``."""
        request = self.ctx.http.build_request(
            "GET", f"{self.ctx.base_url}/v2/userinfo", headers=self._auth()
        )
        response = await self.send(request, action="reading the member's profile")
        body = json_object(response, "reading the member's profile")
        if not body.get("sub"):
            raise Retryable("LinkedIn's userinfo answer had no member id (sub)")
        return body

    async def upload(
        self, url: str, body: Streamed, *, with_token: bool, action: str
    ) -> httpx.Response:
        """``PUT`` a streamed file (or part) to an upload URL LinkedIn handed out. Image upload
        URLs take the member's bearer token (LinkedIn's own example sends it); video part URLs
        are pre-signed, so no token goes to them."""
        headers = dict(body.headers)
        if with_token:
            headers.update(self._auth())
        request = self.ctx.http.build_request("PUT", url, headers=headers, content=body.content)
        return await self.send(request, action=action)


async def token(ctx: AdapterContext, form: Mapping[str, str], *, refreshing: bool) -> TokenSet:
    """``POST {auth_url}/oauth/v2/accessToken`` (form-encoded) → ``TokenSet``.

    LinkedIn answers ``{access_token, expires_in, scope, refresh_token?,
    refresh_token_expires_in?}``; a refresh token exists only for apps LinkedIn approved for
    programmatic refresh. Errors are OAuth-shaped ``{"error", "error_description"}``,
    classified by ``errors.token_endpoint_error``: when refreshing, ``invalid_grant`` or
    ``invalid_request`` (LinkedIn's answer to an expired or revoked refresh token) is a dead
    grant (AuthExpired), another refusal RefreshRefused; when exchanging a code, any refusal
    ends the attempt (Rejected). ``invalid_client`` is the operator's app registration.
    """
    action = "refreshing the access token" if refreshing else "exchanging the OAuth code"
    request = ctx.http.build_request(
        "POST",
        f"{ctx.auth_url}/oauth/v2/accessToken",
        data=dict(form),
        headers={"Accept": "application/json"},
    )
    response = await LinkedInClient(ctx, None).send(request, action=action, check=False)
    if response.status_code in (408, 429) or response.status_code >= 500:
        raise_for_status(response, action=action)
    if response.status_code >= 400:
        error = LinkedInError.of(response)
        raise token_endpoint_error(
            "LinkedIn",
            response.status_code,
            error.code or "",
            error.message,
            refreshing=refreshing,
            dead=DEAD_GRANT_ERRORS,
        )
    body = json_object(response, action)
    if not body.get("access_token"):
        raise Retryable(f"LinkedIn's token answer had no access_token while {action}")
    expires = body.get("expires_in")
    refresh = body.get("refresh_token")
    return TokenSet(
        access_token=str(body["access_token"]),
        refresh_token=str(refresh) if refresh else None,
        expires_in=int(expires) if isinstance(expires, int | float) else None,
    )
