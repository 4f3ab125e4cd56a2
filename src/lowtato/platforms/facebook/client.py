"""Raw Graph API calls for Facebook Pages, and Graph errors mapped to the platform taxonomy.

Every call goes to ``{ctx.base_url}/{GRAPH_VERSION}/…`` with the token in an ``Authorization``
header (never in a URL we build, so it cannot end up in an access log). Graph answers errors
as ``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id", "is_transient"?}}``;
``ERROR_RULES`` below is the whole mapping from those codes to ``platforms.errors``
(docs/reference/platforms.md §6 "Errors" and §11), kept as data so a new code is one row.

Which failures may have created a post is decided per call: ``create=True`` marks the one
request that makes the post (``/feed``, a published ``/photos``, ``/videos``, the reel
``finish``). Only there does a timeout, a dropped connection, a 5xx or a transient Graph error
become ``UnknownOutcome``; everywhere else nothing was published and it is ``Retryable``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

from lowtato.platforms.base import AdapterContext
from lowtato.platforms.errorbody import error_json
from lowtato.platforms.errors import (
    AuthExpired,
    AuthKind,
    PlatformError,
    RateLimited,
    Rejected,
    Retryable,
    UnknownOutcome,
)

# One pinned Graph version for every call and for the login dialog (docs/reference/platforms.md §3
# "Pin a
# Graph version"; v23 is the newest Postiz uses and the first with today's insights metrics).
GRAPH_VERSION = "v23.0"
DEFAULT_BASE_URL = "https://graph.facebook.com"
DEFAULT_AUTH_URL = "https://www.facebook.com"

# When Graph throttles without saying until when (docs/reference/platforms.md §6 "Rate limits").
RATE_LIMIT_DEFAULT_SECONDS = 60.0
RATE_LIMIT_EXHAUSTED_SECONDS = 300.0  # a usage header already reads ≥100 %
USAGE_HEADERS = ("x-app-usage", "x-page-usage")
BUC_HEADER = "x-business-use-case-usage"
MAX_PAGES = 5  # paging.next links followed when listing (each page holds up to `limit` items)

Action = Literal["auth", "rate", "retry", "reject"]


@dataclass(frozen=True, slots=True)
class ErrorRule:
    """One row of the Graph error table: which codes/subcodes it matches (empty = any), what
    it means for us, and the advice added to the platform's own message."""

    action: Action
    codes: frozenset[int] = frozenset()
    subcodes: frozenset[int] = frozenset()
    reject_code: str = "rejected"
    hint: str = ""
    after: float | None = None  # rate rows: a fixed wait when headers cannot say (daily quota)

    def matches(self, code: int | None, subcode: int | None) -> bool:
        return (not self.codes or code in self.codes) and (
            not self.subcodes or subcode in self.subcodes
        )


def _rule(
    action: Action,
    codes: Iterable[int] = (),
    subcodes: Iterable[int] = (),
    reject_code: str = "rejected",
    hint: str = "",
    *,
    after: float | None = None,
) -> ErrorRule:
    return ErrorRule(action, frozenset(codes), frozenset(subcodes), reject_code, hint, after)


_RECONNECT = "Reconnect the Facebook account (log in again)."

# First match wins, so subcode rows come before the row for their whole code.
# fmt: off
ERROR_RULES: tuple[ErrorRule, ...] = (
    _rule("auth", {190}, {458}, hint="The user removed this app from their Facebook account."),
    _rule("auth", {190}, {459}, hint="Facebook wants the user to pass a security checkpoint "
          "on facebook.com."),
    _rule("auth", {190}, {460}, hint="The Facebook password was changed."),
    _rule("auth", {190}, {463}, hint="The token has expired."),
    _rule("auth", {190}, {464}, hint="The user must confirm their account on facebook.com."),
    _rule("auth", {190}, {467, 492}, hint="The token was invalidated (logout or revocation)."),
    _rule("auth", {190, 102}),
    _rule("rate", subcodes={1390008}, hint="Facebook says the Page is posting too fast."),
    _rule("reject", subcodes={1366051}, reject_code="duplicate",
          hint="These photos were already posted; use different photos."),
    _rule("reject", subcodes={1366046}, reject_code="invalid_media",
          hint="Facebook takes JPEG or PNG photos under 4 MB."),
    _rule("reject", subcodes={1609005}, reject_code="invalid_link",
          hint="Facebook could not read the link; check that the URL opens publicly."),
    _rule("reject", subcodes={1346003, 1404102}, reject_code="policy",
          hint="Facebook flagged the content; change it before publishing again."),
    _rule("reject", subcodes={1404078}, reject_code="permission_missing",
          hint="The Page needs publishing authorization; complete it in its settings."),
    _rule("reject", subcodes={4854002}, reject_code="permission_missing",
          hint="Facebook asks the Page admin to confirm their identity on facebook.com."),
    _rule("reject", {100}, {33}, reject_code="not_found",
          hint="It does not exist (deleted?) or the Page token cannot see it."),
    _rule("rate", {4, 17, 32, 613, 80001, 341}),
    _rule("reject", {368}, reject_code="policy",
          hint="Facebook has temporarily blocked this action for policy reasons; wait, check "
          "the Page's quality notices, and change the content."),
    _rule("reject", {506}, reject_code="duplicate",
          hint="Facebook refuses the same message twice in a row; change the text."),
    _rule("retry", {1, 2}),
    _rule("reject", {10, *range(200, 300)}, reject_code="permission_missing",
          hint="The token lacks a permission or Page role (pages_manage_posts, "
          "pages_read_engagement and the CREATE_CONTENT task are needed); reconnect the "
          "account with them."),
    _rule("reject", {324, 352, 6000}, reject_code="invalid_media",
          hint="Check that the media URL is public and is a JPEG/PNG photo or MP4 video."),
    _rule("reject", {100}, reject_code="invalid_request",
          hint="A parameter was not accepted; check the post's text, link and media."),
)
# fmt: on


@dataclass(frozen=True, slots=True)
class Dialect:
    """What differs between Meta's Graph hosts that share these conventions (Facebook here,
    Threads in ``platforms.threads``): the name in messages, the pinned version, the default
    host, the error table and the reconnect advice."""

    name: str = "Facebook"
    version: str = GRAPH_VERSION
    default_base_url: str = DEFAULT_BASE_URL
    rules: tuple[ErrorRule, ...] = ERROR_RULES
    reconnect: str = _RECONNECT


FACEBOOK = Dialect()


def find_rule(
    code: int | None, subcode: int | None, rules: tuple[ErrorRule, ...] = ERROR_RULES
) -> ErrorRule | None:
    return next((rule for rule in rules if rule.matches(code, subcode)), None)


def _load_json(raw: str | None) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def rate_limit_reset(headers: Mapping[str, str]) -> float:
    """Seconds until Graph lets us call again, read from its usage headers.

    ``X-Business-Use-Case-Usage`` (Page tokens) says it outright in
    ``estimated_time_to_regain_access`` (minutes). ``X-App-Usage`` / ``X-Page-Usage`` only give
    percentages of a rolling hour: at ≥100 % wait a few minutes, else a minute.
    """
    regain = 0.0
    buc = _load_json(headers.get(BUC_HEADER))
    if isinstance(buc, dict):
        for entries in buc.values():
            for entry in entries if isinstance(entries, list) else []:
                minutes = (
                    entry.get("estimated_time_to_regain_access") if isinstance(entry, dict) else 0
                )
                if isinstance(minutes, int | float):
                    regain = max(regain, float(minutes) * 60)
    if regain > 0:
        return regain
    for name in USAGE_HEADERS:
        usage = _load_json(headers.get(name))
        if isinstance(usage, dict) and any(
            isinstance(v, int | float) and v >= 100 for v in usage.values()
        ):
            return RATE_LIMIT_EXHAUSTED_SECONDS
    return RATE_LIMIT_DEFAULT_SECONDS


def graph_error(
    response: httpx.Response, *, create: bool, oauth: bool = False, dialect: Dialect = FACEBOOK
) -> PlatformError:
    """The taxonomy error for a failed Graph response.

    ``oauth`` marks the token endpoint, where Graph reports a wrong client secret with code 1,
    which elsewhere means "transient": there every 4xx but throttling and an invalid token is
    ``Rejected(code="oauth_failed")``, never worth retrying.
    """
    status = response.status_code
    body = error_json(response)  # scrubbed: Graph messages can quote the token or request
    error = body.get("error")
    if not isinstance(error, dict):
        return _http_error(status, response.headers, create=create, dialect=dialect)
    message = str(error.get("error_user_msg") or error.get("message") or f"HTTP {status}")
    code = error.get("code") if isinstance(error.get("code"), int) else None
    subcode = error.get("error_subcode") if isinstance(error.get("error_subcode"), int) else None
    rule = find_rule(code, subcode, dialect.rules)
    if rule is None and (error.get("is_transient") is True or status >= 500):
        rule = ErrorRule("retry")
    if oauth and (
        rule is None or rule.action == "reject" or (rule.action == "retry" and status < 500)
    ):
        rule = ErrorRule("reject", reject_code="oauth_failed")
    rule = rule or ErrorRule("reject")
    label = f"Graph error {code}" + (f"/{subcode}" if subcode is not None else "")
    who = dialect.name
    reason = f"{who}: {message} ({label})." + (f" {rule.hint}" if rule.hint else "")
    if rule.action == "rate":
        after = rule.after if rule.after is not None else rate_limit_reset(response.headers)
        return RateLimited(f"{reason} {who} is throttling these calls.", after=after)
    return _by_action(rule, reason, create=create, dialect=dialect)


def _by_action(rule: ErrorRule, reason: str, *, create: bool, dialect: Dialect) -> PlatformError:
    who = dialect.name
    if rule.action == "auth":
        kind: AuthKind = "expired" if "expired" in rule.hint else "revoked"
        return AuthExpired(f"{reason} {dialect.reconnect}", kind=kind)
    if rule.action == "retry" and create:
        return UnknownOutcome(f"{reason} {who} failed while creating the post; it may exist.")
    if rule.action == "retry":
        return Retryable(f"{reason} A temporary {who} failure; nothing was published.")
    return Rejected(reason, code=rule.reject_code)


def _http_error(
    status: int, headers: Mapping[str, str], *, create: bool, dialect: Dialect
) -> PlatformError:
    """An error answer without Graph's error object (gateways, the rupload host)."""
    who = dialect.name
    if status == 429:
        after = rate_limit_reset(headers)
        return RateLimited(f"{who}: HTTP 429, too many calls.", after=after)
    if status == 401:
        return AuthExpired(f"{who}: HTTP 401, the token was refused. {dialect.reconnect}")
    if status >= 500 and create:
        return UnknownOutcome(
            f"{who} answered HTTP {status} while creating the post; it may exist."
        )
    if status >= 500:
        return Retryable(f"{who} answered HTTP {status}; nothing was published.")
    return Rejected(f"{who} refused the request (HTTP {status}).")


def _transport_error(exc: httpx.TransportError, *, create: bool, who: str) -> PlatformError:
    name = type(exc).__name__
    # Connecting failed (or no pooled connection was free): nothing reached the platform.
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return Retryable(f"Could not reach {who} ({name}); nothing was sent.")
    if create:
        what = "did not answer in time" if isinstance(exc, httpx.TimeoutException) else "hung up"
        return UnknownOutcome(f"{who} {what} ({name}) after the post was sent; it may exist.")
    return Retryable(f"{who} did not answer ({name}); try again later.")


class Graph:
    """Thin Graph API client: one method per HTTP shape, every failure already mapped.
    ``dialect`` makes it speak another Graph host with the same conventions (Threads)."""

    def __init__(self, ctx: AdapterContext, dialect: Dialect = FACEBOOK) -> None:
        self._http = ctx.http
        self.dialect = dialect
        self.host_root = (ctx.base_url or dialect.default_base_url).rstrip("/")
        self.root = f"{self.host_root}/{dialect.version}"
        self._host = urlsplit(self.root).netloc

    async def get(
        self, path: str, token: str | None, params: Mapping[str, str | int] | None = None
    ) -> dict[str, Any]:
        return await self._call("GET", f"{self.root}/{path}", token=token, params=params)

    async def post(
        self,
        path: str,
        token: str,
        data: Mapping[str, Any],
        *,
        create: bool = False,
        params: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """POST with a JSON body (Graph reads JSON, form and query parameters alike)."""
        url = f"{self.root}/{path}"
        return await self._call(
            "POST", url, token=token, json_body=dict(data), params=params, create=create
        )

    async def delete(self, path: str, token: str) -> dict[str, Any]:
        return await self._call("DELETE", f"{self.root}/{path}", token=token)

    async def token_call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        form: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """A token endpoint outside the versioned root (``{host}/{path}``, Threads' OAuth
        endpoints), with the token-endpoint error mapping (``oauth=True``)."""
        url = f"{self.host_root}/{path}"
        return await self._call(method, url, token=None, params=params, form=form, oauth=True)

    async def oauth_token(self, params: Mapping[str, str]) -> dict[str, Any]:
        """``GET /oauth/access_token`` (code and ``fb_exchange_token`` grants). Graph defines
        these as query parameters, client secret included; the request goes only to Graph."""
        return await self._call(
            "GET", f"{self.root}/oauth/access_token", token=None, params=params, oauth=True
        )

    async def upload_hosted(self, upload_url: str, token: str, file_url: str) -> dict[str, Any]:
        """Tell the rupload host to fetch a reel's bytes from ``file_url``
        (docs/reference/platforms.md §6
        "Reels": ``Authorization: OAuth <page token>`` plus a ``file_url`` header)."""
        headers = {"Authorization": f"OAuth {token}", "file_url": file_url}
        return await self._call("POST", upload_url, token=None, headers=headers)

    async def items(
        self, path: str, token: str, params: Mapping[str, str | int]
    ) -> AsyncIterator[dict[str, Any]]:
        """Every item of a list edge, following ``paging.next`` for at most ``MAX_PAGES``
        (only to Graph's own host: the token goes with it)."""
        page = await self.get(path, token, params)
        for _ in range(MAX_PAGES):
            for item in page.get("data") or []:
                if isinstance(item, dict):
                    yield item
            following = (page.get("paging") or {}).get("next")
            if not isinstance(following, str) or urlsplit(following).netloc != self._host:
                return
            page = await self._call("GET", following, token=token)

    async def _call(
        self,
        method: str,
        url: str,
        *,
        token: str | None,
        params: Mapping[str, str | int] | None = None,
        json_body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        form: Mapping[str, str] | None = None,
        create: bool = False,
        oauth: bool = False,
    ) -> dict[str, Any]:
        sent_headers = dict(headers or {})
        if token:
            sent_headers["Authorization"] = f"Bearer {token}"
        who = self.dialect.name
        try:
            response = await self._http.request(
                method, url, params=params, json=json_body, data=form, headers=sent_headers
            )
        except httpx.TransportError as exc:
            raise _transport_error(exc, create=create, who=who) from exc
        if response.status_code >= 400:
            raise graph_error(response, create=create, oauth=oauth, dialect=self.dialect)
        body = _load_json(response.text)
        if isinstance(body, dict):
            return body
        if create:
            raise UnknownOutcome(f"{who}'s answer to the create call was unreadable; it may exist.")
        raise Retryable(f"{who} answered HTTP {response.status_code} with an unreadable body.")
