"""Raw XRPC calls to a Bluesky PDS, app-password sessions, and the mapping of every failure to
the platform error taxonomy (docs/reference/platforms.md §8 "Errors", §11).

XRPC is ``GET`` (queries) or ``POST`` (procedures) on ``<service>/xrpc/<nsid>``; errors are
``{"error": "<Name>", "message": "..."}``. How each failure is classified:

=================================  ==========================================================
answer                             raised
=================================  ==========================================================
429 / ``RateLimitExceeded``        ``RateLimited(after)`` from ``Retry-After`` or
                                   ``RateLimit-Reset`` (unix seconds)
``ExpiredToken`` (400, or 401)     ``SessionExpired``: refresh the session and send again
``InvalidToken``,                  ``SessionInvalid``: log in again once with the app
``AuthenticationRequired``, 401    password; if that fails too, ``AuthExpired``
createSession refused              ``AuthExpired`` saying to create a new app password
5xx, connect error, timeout        ``Retryable`` — or ``UnknownOutcome`` for createRecord
                                   (except when the connection was never made)
``BlobTooLarge`` / 413             ``Rejected(code="media_too_large")``
other 4xx (``InvalidRequest`` …)   ``Rejected`` with the server's message
=================================  ==========================================================

``SessionExpired`` and ``SessionInvalid`` are ``AuthExpired`` subclasses, so even if one
escaped the session layer it would still be classified correctly.
"""

from __future__ import annotations

import asyncio
import email.utils
import hashlib
import hmac
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from lowtato.kit.netguard import OutboundRequestError, UnsafeURLError
from lowtato.platforms.errorbody import error_json
from lowtato.platforms.errors import (
    AuthExpired,
    PlatformError,
    RateLimited,
    Rejected,
    Retryable,
    UnknownOutcome,
)
from lowtato.platforms.upload_body import Streamed

POST_COLLECTION = "app.bsky.feed.post"
T = TypeVar("T")
_RECONNECT_ADVICE = (
    "Create a new app password in Bluesky (Settings → Privacy and security → App passwords) "
    'and reconnect: POST /api/v1/accounts/connect {"platform": "bluesky", '
    '"platform_username": "<handle>", "access_token": "<app password>"}.'
)


class SessionExpired(AuthExpired):
    """The access JWT expired (``ExpiredToken``): refresh and send again. The server refused
    the request before acting on it, so sending it again cannot duplicate anything."""


class SessionInvalid(AuthExpired):
    """The PDS no longer accepts this session (``InvalidToken`` / ``AuthenticationRequired``):
    log in again with the app password. Nothing took effect."""


@dataclass(frozen=True, slots=True)
class Session:
    did: str
    handle: str
    access_jwt: str = field(repr=False)
    refresh_jwt: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class Login:
    """What createSession needs: the handle (or DID / e-mail) and the app password."""

    identifier: str
    password: str = field(repr=False)


def _error_of(response: httpx.Response) -> tuple[str, str]:
    """The XRPC ``(error, message)`` of a failed response, scrubbed (``errorbody``); empty
    strings when the body is not XRPC's JSON (a gateway's HTML page, say)."""
    body = error_json(response)
    error, message = body.get("error"), body.get("message")
    return (
        error if isinstance(error, str) else "",
        message if isinstance(message, str) else "",
    )


def _seconds(value: str | None) -> float | None:
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def retry_after(headers: httpx.Headers) -> float | None:
    """Seconds until the platform lets us send again: ``Retry-After`` (seconds or a date),
    else ``RateLimit-Reset``, which Bluesky sends as an absolute unix time. It is compared
    with the real wall clock on purpose: it is the platform's clock, not our scheduling one."""
    after = _seconds(headers.get("retry-after"))
    if after is not None:
        return after
    reset = headers.get("ratelimit-reset")
    if reset and reset.isdigit():
        return max(0.0, int(reset) - time.time())
    return None


class Xrpc:
    """XRPC calls to one PDS (``service``: the account's PDS URL or the default entryway)."""

    def __init__(self, http: httpx.AsyncClient, service: str) -> None:
        self.http = http
        self.service = service.rstrip("/")

    @property
    def host(self) -> str:
        return httpx.URL(self.service).host or self.service

    async def _request(
        self,
        method: str,
        nsid: str,
        *,
        token: str | None = None,
        creates: bool = False,
        **kwargs: Any,
    ) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if token:
            headers["Authorization"] = f"Bearer {token}"
        url = f"{self.service}/xrpc/{nsid}"
        try:
            return await self.http.request(method, url, headers=headers, **kwargs)
        except UnsafeURLError as exc:
            # The guarded client refused the account's own PDS before dialling it.
            msg = (
                f"the account's Bluesky server {self.host} is refused: {exc.reason}. Reconnect "
                "the account with the public https:// address of its PDS"
            )
            raise Rejected(msg, code="service_url_refused") from exc
        except OutboundRequestError as exc:  # the name did not resolve: nothing was sent
            raise Retryable(
                f"could not reach the Bluesky server {self.host}: {exc.reason}"
            ) from exc
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # The request never left: safe to send again, even a create.
            msg = f"could not reach the Bluesky server {self.host} ({type(exc).__name__})"
            raise Retryable(msg) from exc
        except httpx.UnsupportedProtocol as exc:
            msg = f"the account's Bluesky server address {self.service} is not an http(s) URL"
            raise AuthExpired(msg) from exc
        except httpx.HTTPError as exc:
            if creates:
                msg = (
                    f"{nsid} was sent to {self.host} but no answer came back "
                    f"({type(exc).__name__}); the post may exist"
                )
                raise UnknownOutcome(msg) from exc
            raise Retryable(f"{nsid} on {self.host} failed: {type(exc).__name__}") from exc

    def _result(self, nsid: str, response: httpx.Response, *, creates: bool) -> dict[str, Any]:
        status = response.status_code
        if 200 <= status < 300:
            try:
                body = response.json()
            except ValueError:
                body = None
            if isinstance(body, dict):
                return body
            if creates:
                msg = f"{nsid} answered {status} with an unreadable body; the post may exist"
                raise UnknownOutcome(msg)
            raise Retryable(f"{nsid} answered {status} with an unreadable body")
        raise self._failure(nsid, response, creates=creates)

    def _failure(self, nsid: str, response: httpx.Response, *, creates: bool) -> PlatformError:
        status = response.status_code
        error, message = _error_of(response)
        said = f"{error}: {message}" if error and message else error or message or f"HTTP {status}"
        if status == 429 or error == "RateLimitExceeded":
            after = retry_after(response.headers)
            when = f"; try again in {int(after)} s" if after is not None else ""
            return RateLimited(f"Bluesky rate limit reached on {nsid}{when}", after=after)
        if error == "ExpiredToken":
            return SessionExpired(f"the Bluesky session expired ({said})")
        if error in ("InvalidToken", "AuthenticationRequired") or status == 401:
            return SessionInvalid(f"Bluesky refused the session ({said})")
        if status >= 500:
            return (
                UnknownOutcome(f"{nsid} failed on the Bluesky server ({said}); the post may exist")
                if creates
                else Retryable(f"the Bluesky server failed on {nsid} ({said})")
            )
        if error == "BlobTooLarge" or status == 413:
            return Rejected(
                f"Bluesky refused the file as too large ({said})", code="media_too_large"
            )
        code = "invalid_request" if error == "InvalidRequest" else "rejected"
        return Rejected(f"Bluesky refused {nsid} ({said})", code=code)

    async def query(
        self, nsid: str, params: Any = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """``GET /xrpc/<nsid>``."""
        response = await self._request("GET", nsid, token=token, params=params)
        return self._result(nsid, response, creates=False)

    async def get_record(self, repo: str, collection: str, rkey: str) -> dict[str, Any] | None:
        """``com.atproto.repo.getRecord`` → ``{uri, cid, value}``, or None when the repo has
        no record at that key (``RecordNotFound``)."""
        params = {"repo": repo, "collection": collection, "rkey": rkey}
        nsid = "com.atproto.repo.getRecord"
        response = await self._request("GET", nsid, params=params)
        if response.status_code == 400 and _error_of(response)[0] == "RecordNotFound":
            return None
        return self._result(nsid, response, creates=False)

    async def procedure(
        self,
        nsid: str,
        body: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        content: Streamed | None = None,
        creates: bool = False,
    ) -> dict[str, Any]:
        """``POST /xrpc/<nsid>`` with a JSON body, streamed raw ``content``, or nothing.

        ``creates`` marks the call that makes the post: a lost answer is then UnknownOutcome.
        """
        kwargs: dict[str, Any] = {}
        if body is not None:
            kwargs["json"] = body
        elif content is not None:
            kwargs["content"] = content.content
            kwargs["headers"] = content.headers
        response = await self._request("POST", nsid, token=token, creates=creates, **kwargs)
        return self._result(nsid, response, creates=creates)

    async def create_session(self, login: Login) -> Session:
        """``com.atproto.server.createSession``: log in with the app password."""
        nsid = "com.atproto.server.createSession"
        response = await self._request(
            "POST", nsid, json={"identifier": login.identifier, "password": login.password}
        )
        if response.status_code in (400, 401):
            error, message = _error_of(response)
            if error == "AuthFactorTokenRequired":
                msg = (
                    f"Bluesky asked for a 2FA code for {login.identifier}: the account's main "
                    f"password was given instead of an app password. {_RECONNECT_ADVICE}"
                )
                raise AuthExpired(msg)
            if error in ("AccountTakedown", "AccountDeactivated"):
                msg = f"Bluesky says the account {login.identifier} cannot log in: {message}"
                raise AuthExpired(msg)
            if response.status_code == 401 or error == "AuthenticationRequired":
                msg = (
                    f"Bluesky refused the app password for {login.identifier} "
                    f"({message or 'invalid identifier or password'}). {_RECONNECT_ADVICE}"
                )
                raise AuthExpired(msg)
        return _session(self._result(nsid, response, creates=False))

    async def refresh_session(self, session: Session) -> Session:
        """``com.atproto.server.refreshSession``: no body, Bearer refresh JWT; rotates both."""
        nsid = "com.atproto.server.refreshSession"
        return _session(await self.procedure(nsid, token=session.refresh_jwt))


class SessionCache:
    """Sessions by (PDS, identifier, app password), so a post refreshes a session instead of
    logging in again: createSession is limited to 30 per 5 minutes and 300 a day.

    The cache lives in memory and is **per process**: each API or worker process logs in once
    per account and then refreshes. A session is filed under the identifier it logged in with
    and under the account's DID, so the login that checks a handle at connect time serves the
    later posts, which log in by DID. The app password is part of the key (as an HMAC under a
    per-process random key, never in clear), so a different or changed password never reuses
    a session another password opened. Bounded: the least recently used entry goes first.
    """

    def __init__(self, max_entries: int = 1000) -> None:
        self.max_entries = max_entries
        self._sessions: OrderedDict[tuple[str, str, str], Session] = OrderedDict()
        self._pepper = secrets.token_bytes(32)
        # One lock per session being refreshed right now (see ``_refreshed``).
        self._refreshing: dict[tuple[str, str, str], asyncio.Lock] = {}

    def _key(self, service: str, identifier: str, password: str) -> tuple[str, str, str]:
        digest = hmac.new(self._pepper, password.encode(), hashlib.sha256).hexdigest()
        return (service, identifier.lower(), digest)

    def get(self, service: str, login: Login) -> Session | None:
        key = self._key(service, login.identifier, login.password)
        session = self._sessions.get(key)
        if session is not None:
            self._sessions.move_to_end(key)
        return session

    def put(self, service: str, login: Login, session: Session) -> None:
        for identifier in (login.identifier, session.did):
            key = self._key(service, identifier, login.password)
            self._sessions[key] = session
            self._sessions.move_to_end(key)
        while len(self._sessions) > self.max_entries:
            self._sessions.popitem(last=False)

    def drop(self, service: str, login: Login, session: Session | None = None) -> None:
        for identifier in (login.identifier, session.did if session else ""):
            self._sessions.pop(self._key(service, identifier, login.password), None)

    async def login(self, xrpc: Xrpc, login: Login) -> Session:
        """A new session (createSession), cached."""
        session = await xrpc.create_session(login)
        self.put(xrpc.service, login, session)
        return session

    async def run(self, xrpc: Xrpc, login: Login, call: Callable[[Session], Awaitable[T]]) -> T:
        """Run ``call`` with a session: the cached one, else a new login. On ``ExpiredToken``
        refresh once (log in again if the refresh is refused); on ``InvalidToken`` /
        ``AuthenticationRequired`` with a cached session, log in again once. Sending the call
        again is safe even for createRecord: the PDS refused it before doing anything."""
        session = self.get(xrpc.service, login)
        cached = session is not None
        if session is None:
            session = await self.login(xrpc, login)
        try:
            return await call(session)
        except SessionExpired:
            session = await self._refreshed(xrpc, login, session)
        except SessionInvalid:
            self.drop(xrpc.service, login, session)
            if not cached:
                raise
            session = await self.login(xrpc, login)
        try:
            return await call(session)
        except AuthExpired:
            self.drop(xrpc.service, login, session)
            raise

    async def _refreshed(self, xrpc: Xrpc, login: Login, expired: Session) -> Session:
        """One refresh per expired session, however many calls found it expired together:
        the PDS rotates the refresh JWT, so a second refresh would be refused and end in a
        new login. The others wait and take the refreshed session from the cache."""
        key = self._key(xrpc.service, login.identifier, login.password)
        lock = self._refreshing.setdefault(key, asyncio.Lock())
        async with lock:
            current = self.get(xrpc.service, login)
            if current is not None and current.access_jwt != expired.access_jwt:
                return current  # refreshed (or logged in again) while this call waited
            try:
                session = await xrpc.refresh_session(expired)
                self.put(xrpc.service, login, session)
            except AuthExpired:  # the refresh JWT expired or was revoked
                session = await self.login(xrpc, login)
        if not lock.locked():
            self._refreshing.pop(key, None)
        return session


def _session(body: dict[str, Any]) -> Session:
    try:
        return Session(
            did=str(body["did"]),
            handle=str(body["handle"]),
            access_jwt=str(body["accessJwt"]),
            refresh_jwt=str(body["refreshJwt"]),
        )
    except KeyError as exc:
        raise Retryable(f"Bluesky's session answer lacks {exc.args[0]}") from exc
