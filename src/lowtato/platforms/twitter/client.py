"""Raw HTTP calls to the X API v2 and the mapping of every failure to the platform taxonomy.

Nothing here knows about Lowtato posts: `XClient` sends one request with the account's bearer
token and returns the decoded JSON body, or raises one of `platforms.errors`
(docs/reference/platforms.md §2
"Errors", §11):

| what X answers                                   | raised                               |
|--------------------------------------------------|--------------------------------------|
| 429 (rate limit or 24 h usage cap)               | RateLimited(after = latest reset)    |
| 401                                              | AuthExpired                          |
| 403 "duplicate content"                          | Rejected(code="duplicate")           |
| 403 app not enrolled / scope / suspended         | Rejected(code="permission_missing")  |
| 403 anything else (policy, deleted reply target) | Rejected(code="content_rejected")    |
| 400                                              | Rejected(code="invalid_request")     |
| 404, or 200 with only a resource-not-found error | Rejected(code="not_found")           |
| 5xx, connect error, timeout                      | Retryable — or UnknownOutcome when   |
|                                                  | the request creates a post           |

The OAuth token endpoint speaks RFC 6749 instead (`{"error", "error_description"}`); see
`token_request`.
"""

from __future__ import annotations

import base64
import math
from typing import Any

import httpx

from lowtato.kit import clock
from lowtato.platforms.base import AdapterContext, OAuthApp
from lowtato.platforms.errorbody import error_json
from lowtato.platforms.errors import (
    DEAD_GRANT_ERRORS as RFC_DEAD_GRANT,
)
from lowtato.platforms.errors import (
    AuthExpired,
    RateLimited,
    Rejected,
    Retryable,
    UnknownOutcome,
    token_endpoint_error,
)
from lowtato.platforms.upload_body import Streamed

JSON = dict[str, Any]

# A 429 without usable reset headers: X's windows are 15 minutes, so waiting a full window is
# the one delay guaranteed to be long enough.
_DEFAULT_RATE_LIMIT_WAIT = 15 * 60.0
_RESET_HEADERS = (
    ("x-rate-limit-remaining", "x-rate-limit-reset"),
    ("x-user-limit-24hour-remaining", "x-user-limit-24hour-reset"),
    ("x-app-limit-24hour-remaining", "x-app-limit-24hour-reset"),
)


def rate_limit_wait(response: httpx.Response) -> float:
    """Seconds until X lifts the limit that refused ``response``.

    X sends epoch seconds and no Retry-After. Of the windows that are exhausted (remaining 0)
    the latest reset wins — a 24 h cap outlasts the 15-minute window — and when none says it
    is exhausted, the 15-minute window's reset is used.
    """
    now = clock.now().timestamp()
    exhausted: list[float] = []
    fallback: float | None = None
    for remaining_header, reset_header in _RESET_HEADERS:
        reset = _number(response.headers.get(reset_header))
        if reset is None:
            continue
        if fallback is None:
            fallback = reset
        if _number(response.headers.get(remaining_header)) == 0:
            exhausted.append(reset)
    reset_at = max(exhausted) if exhausted else fallback
    if reset_at is None:
        return _DEFAULT_RATE_LIMIT_WAIT
    return max(1.0, math.ceil(reset_at - now))


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _json(response: httpx.Response) -> JSON:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def problem_text(body: JSON, fallback: str) -> str:
    """The human part of an X error body, in any of its shapes.

    Problems (RFC 7807) carry `title`/`detail`; validation failures add `errors[].message`;
    older endpoints send only `errors[{code, message}]`.
    """
    parts: list[str] = []
    detail = body.get("detail") or body.get("title")
    if isinstance(detail, str) and detail:
        parts.append(detail)
    for error in body.get("errors") or []:
        if isinstance(error, dict):
            message = error.get("message") or error.get("detail")
            if isinstance(message, str) and message and message not in parts:
                parts.append(message)
    return "; ".join(parts) or fallback


def _forbidden(body: JSON, what: str) -> Rejected:
    text = problem_text(body, "Forbidden")
    lowered = text.lower()
    kind = str(body.get("type", ""))
    if "duplicate content" in lowered:
        return Rejected(
            f"X refused to {what}: {text} Change the text before publishing again.",
            code="duplicate",
        )
    if (
        kind.endswith(("/client-forbidden", "/not-authorized-for-resource"))
        or "suspended" in lowered
        or "scope" in lowered
    ):
        return Rejected(
            f"X refused to {what}: {text} The app or account lacks permission; reconnect the "
            "account with the tweet.write, media.write and offline.access scopes.",
            code="permission_missing",
        )
    return Rejected(
        f"X refused to {what}: {text} X gives no further reason; check the text, links and "
        "media against X's rules.",
        code="content_rejected",
    )


def raise_for_status(
    response: httpx.Response, *, what: str, creates: bool, invalid_code: str = "invalid_request"
) -> JSON:
    """The decoded body of a successful answer, else the taxonomy error for this failure.

    ``creates`` marks the request that makes the post: a 5xx there may have been applied.
    ``invalid_code`` is the Rejected code of a 400 (media endpoints say ``invalid_media``).
    """
    status = response.status_code
    body = _json(response)
    if 200 <= status < 300:
        errors = body.get("errors")
        if "data" not in body and isinstance(errors, list) and errors:
            # GET /2/tweets/{id} answers 200 with only `errors` for a missing post.
            first = errors[0] if isinstance(errors[0], dict) else {}
            code = "not_found" if "resource-not-found" in str(first.get("type")) else "rejected"
            raise Rejected(f"X could not {what}: {problem_text(body, 'error')}", code=code)
        return body
    body = error_json(response)  # scrubbed: X's messages can quote the token or the request
    if status == 429:
        after = rate_limit_wait(response)
        text = problem_text(body, "Too Many Requests")
        raise RateLimited(
            f"X rate limit reached while trying to {what} ({text}); it resets in {int(after)} s",
            after=after,
        )
    if status == 401:
        raise AuthExpired(
            f"X rejected the access token while trying to {what} "
            f"({problem_text(body, 'Unauthorized')})"
        )
    if status == 403:
        raise _forbidden(body, what)
    if status == 404:
        raise Rejected(f"X could not {what}: {problem_text(body, 'Not Found')}", code="not_found")
    if status >= 500:
        text = problem_text(body, response.reason_phrase or "server error")
        if creates:
            raise UnknownOutcome(
                f"X answered HTTP {status} ({text}) to the request that creates the post; it "
                "may have been created anyway"
            )
        raise Retryable(f"X is unavailable (HTTP {status}: {text}) while trying to {what}")
    code = invalid_code if status in (400, 413, 422) else "rejected"
    raise Rejected(
        f"X refused to {what} (HTTP {status}): {problem_text(body, 'Bad Request')}", code=code
    )


# X answers ``invalid_request`` ("Value passed for the token was invalid") to a refresh token
# that was already used (rotation) or revoked.
DEAD_GRANT_ERRORS = RFC_DEAD_GRANT | {"invalid_request"}


class XClient:
    """One account's view of the API: every call carries its OAuth 2.0 user token."""

    def __init__(self, ctx: AdapterContext, access_token: str | None) -> None:
        if not access_token:
            raise AuthExpired("the X account has no access token; reconnect it")
        self.http = ctx.http
        self.base_url = ctx.base_url
        self._auth = {"Authorization": f"Bearer {access_token}"}

    async def call(
        self,
        method: str,
        path: str,
        *,
        what: str,
        creates: bool = False,
        params: dict[str, str] | None = None,
        json: JSON | None = None,
        data: dict[str, str] | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
        body: Streamed | None = None,
        invalid_code: str = "invalid_request",
    ) -> JSON:
        """Send one request; ``what`` completes "X refused to …" in messages. ``body`` is a
        streamed upload (its own content type and length)."""
        try:
            response = await self.http.request(
                method,
                f"{self.base_url}{path}",
                params=params,
                json=json,
                data=data,
                files=files,
                content=body.content if body is not None else None,
                headers={**self._auth, **body.headers} if body is not None else self._auth,
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # Nothing reached X: safe to send again, create or not.
            raise Retryable(f"could not reach X to {what}: {type(exc).__name__}") from exc
        except httpx.TransportError as exc:
            # The request was (or may have been) sent and the answer is lost.
            if creates:
                raise UnknownOutcome(
                    f"no answer from X after sending the post ({type(exc).__name__}); it may "
                    "have been created"
                ) from exc
            raise Retryable(
                f"no answer from X while trying to {what}: {type(exc).__name__}"
            ) from exc
        return raise_for_status(response, what=what, creates=creates, invalid_code=invalid_code)


async def token_request(
    ctx: AdapterContext, form: dict[str, str], app: OAuthApp | None, *, refreshing: bool
) -> JSON:
    """POST /2/oauth2/token with the client's credentials.

    Confidential clients (with a secret) authenticate with HTTP Basic; public clients send
    `client_id` in the form. X answers RFC 6749 errors, classified by
    ``errors.token_endpoint_error``: when refreshing, ``invalid_grant`` or ``invalid_request``
    (X's answer to a spent or revoked refresh token) is a dead grant (AuthExpired); another
    refusal is RefreshRefused (retried a few times); when exchanging a code, any refusal
    ends this authorization attempt (Rejected).
    """
    headers: dict[str, str] = {}
    body = dict(form)
    if app is not None and app.client_secret:
        pair = f"{app.client_id}:{app.client_secret}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
    elif app is not None:
        body["client_id"] = app.client_id
    what = "refresh the access token" if refreshing else "exchange the authorization code"
    try:
        response = await ctx.http.post(f"{ctx.base_url}/2/oauth2/token", data=body, headers=headers)
    except httpx.TransportError as exc:
        # A refresh whose answer is lost may have rotated the token on X's side; the next
        # attempt then learns the old one is spent and asks for a reconnect. Nothing better
        # is possible: X offers no way to recover the lost token.
        raise Retryable(f"could not reach X to {what}: {type(exc).__name__}") from exc
    status = response.status_code
    payload = _json(response)
    if status == 200 and isinstance(payload.get("access_token"), str):
        return payload
    payload = error_json(response)
    after = rate_limit_wait(response) if status == 429 else None
    raise token_endpoint_error(
        "X",
        status,
        str(payload.get("error") or ""),
        str(payload.get("error_description") or ""),
        refreshing=refreshing,
        dead=DEAD_GRANT_ERRORS,
        after=after,
    )
