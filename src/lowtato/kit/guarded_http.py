"""One guarded HTTP client for every user-supplied URL (webhooks, sources, `media_urls`).

Three layers, each of which refuses on its own:

1. `check_url` (from `lowtato.kit.netguard`) judges the URL text: http(s) only, no credentials,
   no local-only names, no IP literal outside the public unicast space in any spelling.
2. At connect time the network backend resolves the host itself, refuses if *any* answer is not
   public (a DNS answer mixing public and private records is how rebinding attacks win), and
   dials the checked IP. There is no gap between check and connect for a rebinding resolver to
   use. TLS is then started on that socket with `server_hostname` set to the URL's host (httpcore
   does this from the request origin), so SNI and certificate verification still use the name.
3. Redirects are never followed by httpx. `GuardedClient.request` follows at most
   `max_redirects` hops itself and runs every `Location` through `check_url` and, when dialled,
   through the connect-time check again. A redirect back to an address already visited in the
   same exchange is a loop and fails at once. Webhook delivery passes `follow_redirects=False`
   and gets the 3xx back.

Bodies are streamed and cut off once more than `max_response_bytes` arrive, or once they
decompress to more than that (only `gzip` and `deflate` are requested, and decoded under the same
cap, a bounded piece at a time, so a compression bomb costs a piece of memory, not the cap). The
whole exchange — resolution, every hop, the body — must finish within `timeout` seconds (a drip
feed of a byte now and then ends there), and with `idle_timeout` the server may never go quiet
for longer than that (a stalled server is dropped early).

`allow_private=True` (the `LOWTATO_ALLOW_PRIVATE_URLS` setting, for local tests) skips the
address checks; scheme, credential, port and zone-id checks remain. Production never enables it.

Exception tree (the first three are defined in `netguard`, all are exported here)::

    Exception
     └── OutboundError                 .reason: a sentence fit to show the user
          ├── UnsafeURLError            (also a ValueError) the URL, a redirect target or a
          │                             resolved address is refused; that target was not dialled
          └── OutboundRequestError      allowed, but no usable response: DNS failure, refused
               │                        connection, TLS or protocol error
               ├── RedirectError          a redirect loop, or more than `max_redirects` hops
               ├── OutboundTimeoutError   not complete within `timeout` seconds, or idle for
               │                          longer than `idle_timeout`
               └── ResponseTooLargeError  body over `max_response_bytes` (.limit, .received)

The client is asyncio-only (it resolves through the running loop's `getaddrinfo`). Connect-time
checking needs only public httpcore API: `AsyncConnectionPool(network_backend=...)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import zlib
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator, Mapping
from http.cookiejar import CookieJar, DefaultCookiePolicy
from types import TracebackType
from typing import Any, Final, Self

import httpcore
import httpx

from lowtato.kit.netguard import (
    OutboundError,
    OutboundRequestError,
    Resolver,
    UnsafeURLError,
    check_url,
    resolve_and_check,
)
from lowtato.kit.tls import trust_store

__all__ = [
    "GuardedClient",
    "OutboundError",
    "OutboundRequestError",
    "OutboundTimeoutError",
    "RedirectError",
    "Resolver",
    "ResponseTooLargeError",
    "UnsafeURLError",
    "check_url",
    "guarded_client",
    "guarded_httpx_client",
    "resolve_and_check",
]

DEFAULT_MAX_RESPONSE_BYTES: Final = 10 * 1024 * 1024

# Only encodings we can decode under the size cap. httpx would otherwise also advertise br/zstd
# whenever those packages happen to be installed.
_ACCEPT_ENCODING: Final = "gzip, deflate"
# Largest piece of decoded output produced from one call into zlib: what a compression bomb can
# cost in memory at once (the decoded total is capped separately, by max_response_bytes).
_DECODE_PIECE: Final = 64 * 1024
_ZLIB_WBITS: Final = {
    "gzip": 16 + zlib.MAX_WBITS,
    "x-gzip": 16 + zlib.MAX_WBITS,
    "deflate": zlib.MAX_WBITS,
}

# Most specific first: the first isinstance match wins.
_HTTPCORE_TO_HTTPX: Final[tuple[tuple[type[Exception], type[httpx.TransportError]], ...]] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


class OutboundTimeoutError(OutboundRequestError):
    """The exchange did not complete within the client's `timeout`."""


class RedirectError(OutboundRequestError):
    """The server redirected in a loop, or more times than `max_redirects`: asking again will
    not end differently."""


class ResponseTooLargeError(OutboundRequestError):
    """The response body exceeded `max_response_bytes`.

    `limit` is the cap; `received` is how many body bytes had come off the network when the
    read stopped (0 when a `Content-Length` over the cap refused the body unread).
    """

    def __init__(self, reason: str, *, limit: int, received: int) -> None:
        super().__init__(reason)
        self.limit = limit
        self.received = received


class _GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """Resolves and checks every host at connect time, then dials only the checked addresses.

    httpcore calls `connect_tcp` with the origin's host name and afterwards starts TLS on the
    returned stream with `server_hostname` = that name, so replacing the name with the checked
    IP here leaves SNI and certificate verification untouched.
    """

    def __init__(
        self,
        inner: httpcore.AsyncNetworkBackend,
        *,
        allow_private: bool,
        resolver: Resolver | None,
    ) -> None:
        self._inner = inner
        self._allow_private = allow_private
        self._resolver = resolver

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's backend interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                addresses = await resolve_and_check(
                    host, port, allow_private=self._allow_private, resolver=self._resolver
                )
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host} took more than {timeout} s") from exc

        async def dial(address: str) -> httpcore.AsyncNetworkStream:
            return await self._inner.connect_tcp(
                address,
                port,
                timeout=timeout,
                local_address=local_address,
                socket_options=socket_options,
            )

        # Every address passed the check, so falling back to the next one on failure is safe.
        for address in addresses[:-1]:
            with contextlib.suppress(httpcore.ConnectError, httpcore.ConnectTimeout):
                return await dial(address)
        return await dial(addresses[-1])

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's backend interface
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise UnsafeURLError("unix sockets are never dialled for user-supplied URLs")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


@contextlib.contextmanager
def _httpx_errors() -> Iterator[None]:
    """Re-raise httpcore's exceptions as the httpx ones a transport is expected to raise."""
    try:
        yield
    except Exception as exc:
        for core_type, httpx_type in _HTTPCORE_TO_HTTPX:
            if isinstance(exc, core_type):
                raise httpx_type(str(exc)) from exc
        raise


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(self, stream: AsyncIterable[bytes]) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _httpx_errors():
            async for part in self._stream:
                yield part

    async def aclose(self) -> None:
        close = getattr(self._stream, "aclose", None)
        if close is not None:
            await close()


class _GuardedTransport(httpx.AsyncBaseTransport):
    """An httpx transport over an httpcore pool whose network backend is the guarded one.

    Built from public httpcore/httpx APIs only (`AsyncConnectionPool(network_backend=...)`),
    instead of swapping the private `_pool` of `httpx.AsyncHTTPTransport`.
    """

    def __init__(
        self,
        pool: httpcore.AsyncConnectionPool,
        *,
        check: tuple[bool, bool] | None = None,
    ) -> None:
        self._pool = pool
        # (allow_private, require_https): when set, every request URL goes through `check_url`
        # here, for clients whose callers send requests without GuardedClient.request.
        self._check = check

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._check is not None:
            allow_private, require_https = self._check
            check_url(str(request.url), allow_private=allow_private, require_https=require_https)
        if not isinstance(request.stream, httpx.AsyncByteStream):
            raise TypeError("the guarded transport only sends async request bodies")
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _httpx_errors():
            core_response = await self._pool.handle_async_request(core_request)
        if not isinstance(core_response.stream, AsyncIterable):
            raise TypeError("httpcore returned a synchronous stream to an async pool")
        return httpx.Response(
            status_code=core_response.status,
            headers=core_response.headers,
            stream=_ResponseStream(core_response.stream),
            extensions=core_response.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()


class _CappedBody:
    """Collects a response body, decoding gzip/deflate, never holding more than `limit` bytes."""

    def __init__(
        self,
        content_encoding: str | None,
        *,
        limit: int,
        origin: str,
        sink: Callable[[bytes], object] | None = None,
    ) -> None:
        codings = [c.strip().lower() for c in (content_encoding or "").split(",")]
        codings = [c for c in codings if c and c != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in _ZLIB_WBITS):
            raise OutboundRequestError(
                f"{origin} answered with content encoding '{content_encoding}', which was not "
                f"requested (only {_ACCEPT_ENCODING} are accepted)"
            )
        self.encoding = codings[0] if codings else None
        self._decompressor = (
            zlib.decompressobj(_ZLIB_WBITS[self.encoding]) if self.encoding else None
        )
        # RFC 9110 deflate is zlib-wrapped, but some servers send the raw stream; like browsers
        # and httpx we retry the first chunk without the wrapper.
        self._raw_deflate_fallback = self.encoding == "deflate"
        self._limit = limit
        self._origin = origin
        self._parts: list[bytes] = []
        self._sink = sink
        self._size = 0
        self.received = 0

    def feed(self, data: bytes) -> None:
        self.received += len(data)
        if self.received > self._limit:
            raise self._too_large(f"the response from {self._origin} is larger than")
        if self._decompressor is None:
            self._keep(data)
            return
        while data:
            self._keep(self._decompress(data))
            # Output is bounded per call, so the rest of the input waits in unconsumed_tail.
            data = self._decompressor.unconsumed_tail

    def finish(self) -> bytes:
        if self._decompressor is not None:
            self._keep(self._decompressor.flush())
        return b"".join(self._parts)

    def _decompress(self, data: bytes) -> bytes:
        if self._decompressor is None:
            return data
        try:
            # A bounded piece at a time (the rest waits in unconsumed_tail); one byte over what
            # is left is enough to know the cap is exceeded.
            piece = min(_DECODE_PIECE, self._limit - self._size + 1)
            output = self._decompressor.decompress(data, piece)
        except zlib.error as exc:
            if not self._raw_deflate_fallback:
                raise OutboundRequestError(
                    f"the response from {self._origin} is not valid {self.encoding} data ({exc})"
                ) from exc
            self._raw_deflate_fallback = False
            self._decompressor = zlib.decompressobj(-zlib.MAX_WBITS)
            return self._decompress(data)
        self._raw_deflate_fallback = False
        return output

    def _keep(self, part: bytes) -> None:
        self._size += len(part)
        if self._size > self._limit:
            raise self._too_large(f"the response from {self._origin} decompresses to more than")
        if part and self._sink is not None:
            self._sink(part)
        elif part:
            self._parts.append(part)

    def _too_large(self, what: str) -> ResponseTooLargeError:
        return ResponseTooLargeError(
            f"{what} the {self._limit}-byte limit; it was not read further",
            limit=self._limit,
            received=self.received,
        )


class GuardedClient:
    """HTTP client for user-supplied URLs; the guarantees are in the module docstring.

    Create it with `guarded_client(...)` and use it as `async with guarded_client() as client:`
    (or call `aclose()`). One instance may be shared by concurrent tasks: connections are pooled,
    and a pooled connection is only reused for the same scheme, host and port it was checked for
    when it was opened.
    """

    def __init__(
        self,
        *,
        allow_private: bool = False,
        require_https: bool = False,
        timeout: float = 15.0,
        idle_timeout: float | None = None,
        max_redirects: int = 3,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        resolver: Resolver | None = None,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if timeout <= 0 or max_redirects < 0 or max_response_bytes <= 0:
            raise ValueError("timeout and max_response_bytes must be > 0, max_redirects >= 0")
        if idle_timeout is not None and idle_timeout <= 0:
            raise ValueError("idle_timeout must be > 0")
        self._allow_private = allow_private
        self._require_https = require_https
        self._timeout = timeout
        self._idle_timeout = idle_timeout
        self._max_redirects = max_redirects
        self._max_response_bytes = max_response_bytes
        pool = _guarded_pool(allow_private, resolver, network_backend, ssl_context)
        self._client = _client_over(
            _GuardedTransport(pool),
            # httpx's read timeout bounds each wait for bytes (the status line, every piece of
            # the body): the idle limit. The total is enforced by request() around everything.
            httpx.Timeout(timeout, read=idle_timeout or timeout),
            headers={"Accept-Encoding": _ACCEPT_ENCODING},
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close pooled connections. The client cannot be used afterwards."""
        await self._client.aclose()

    async def get(
        self,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        follow_redirects: bool = True,
    ) -> httpx.Response:
        """`request("GET", url, ...)`."""
        return await self.request(
            "GET", url, params=params, headers=headers, follow_redirects=follow_redirects
        )

    async def post(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        content: bytes | str | None = None,
        json: Any = None,
        follow_redirects: bool = True,
    ) -> httpx.Response:
        """`request("POST", url, ...)`."""
        return await self.request(
            "POST",
            url,
            headers=headers,
            content=content,
            json=json,
            follow_redirects=follow_redirects,
        )

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | str | None = None,
        json: Any = None,
        follow_redirects: bool = True,
        sink: Callable[[bytes], object] | None = None,
        accept: Callable[[httpx.Response], object] | None = None,
    ) -> httpx.Response:
        """Send one request to a user-supplied URL and return the final response, body read.

        Follows up to `max_redirects` redirects, each target re-checked; with
        `follow_redirects=False` a 3xx is returned like any other status (except that a
        `Location` httpx cannot parse at all raises `OutboundRequestError`). Any status is
        returned, not raised: judging it is the caller's business.

        The returned `httpx.Response` is fully read and needs no closing: `.content`, `.text`
        and `.json()` work. A gzip/deflate body is already decoded; `Content-Encoding` is then
        dropped and `Content-Length` gives the decoded size, so the headers describe the body
        you get. `.history` holds the redirect responses followed (their bodies were not read).

        With `sink`, the final response's body is handed to it piece by piece as it arrives
        (decoded, under the same cap) instead of being kept: `.content` is then empty. A big
        download thus goes to a file without ever being whole in memory.

        With `accept`, the final response (status and headers, body unread) is handed to it
        first; whatever it raises ends the exchange unread and reaches the caller as it is. So
        does anything `sink` raises, which stops the body where it is.

        Raises only `UnsafeURLError`, `OutboundRequestError` (`RedirectError`),
        `OutboundTimeoutError` and `ResponseTooLargeError` for anything that goes wrong on the
        way, besides what `accept` and `sink` raise.
        """
        target = check_url(
            url, allow_private=self._allow_private, require_https=self._require_https
        )
        request = self._client.build_request(
            method, target, params=params, headers=headers, content=content, json=json
        )
        try:
            async with asyncio.timeout(self._timeout):
                return await self._exchange(
                    request, follow_redirects=follow_redirects, sink=sink, accept=accept
                )
        except httpx.ReadTimeout as exc:
            # Only the idle limit is a read timeout; the total raises TimeoutError here.
            raise OutboundTimeoutError(
                f"{_origin(_failed_url(exc, target))} sent nothing for "
                f"{self._idle_timeout or self._timeout:g} s"
            ) from exc
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise OutboundTimeoutError(
                f"{_origin(_failed_url(exc, target))} did not send a complete response within "
                f"{self._timeout:g} s"
            ) from exc
        except httpx.HTTPError as exc:
            raise OutboundRequestError(_failure_reason(exc, target)) from exc

    async def _exchange(
        self,
        request: httpx.Request,
        *,
        follow_redirects: bool,
        sink: Callable[[bytes], object] | None,
        accept: Callable[[httpx.Response], object] | None,
    ) -> httpx.Response:
        history: list[httpx.Response] = []
        visited = {(request.method, str(request.url))}
        while True:
            try:
                response = await self._client.send(request, stream=True)
            except UnsafeURLError as exc:
                if not history:
                    raise
                # The connect-time check refused a redirect target; say where it came from.
                raise _refused_redirect(history[-1], request.url, exc) from exc
            redirect = response.next_request if follow_redirects else None
            if redirect is None:
                try:
                    if accept is not None:
                        accept(response)
                    body = await self._read_body(response, sink)
                finally:
                    await response.aclose()
                return _finished(response, body, history)
            await response.aclose()
            if (redirect.method, str(redirect.url)) in visited:
                # Following it could only go round again until the hop limit: stop now.
                raise RedirectError(
                    f"{_origin(request.url)} redirects in a loop (back to an address already "
                    "visited)"
                )
            if len(history) >= self._max_redirects:
                raise RedirectError(
                    f"{_origin(request.url)} redirected more than {self._max_redirects} times; "
                    "use the final URL directly"
                )
            history.append(response)
            request = self._checked_redirect(response, redirect)
            visited.add((request.method, str(request.url)))

    def _checked_redirect(self, response: httpx.Response, redirect: httpx.Request) -> httpx.Request:
        try:
            checked = check_url(
                str(redirect.url),
                allow_private=self._allow_private,
                require_https=self._require_https,
            )
        except UnsafeURLError as exc:
            raise _refused_redirect(response, redirect.url, exc) from exc
        if checked == redirect.url:
            return redirect
        # check_url rewrote a legacy IPv4 spelling; send the request to the address it checked.
        headers = redirect.headers.copy()
        headers["Host"] = checked.netloc.decode("ascii")
        return httpx.Request(
            redirect.method,
            checked,
            headers=headers,
            stream=redirect.stream,
            extensions=redirect.extensions,
        )

    async def _read_body(
        self, response: httpx.Response, sink: Callable[[bytes], object] | None
    ) -> bytes:
        limit = self._max_response_bytes
        origin = _origin(response.url)
        declared = response.headers.get("Content-Length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > limit:
            raise ResponseTooLargeError(
                f"the response from {origin} announces {declared} bytes, more than the "
                f"{limit}-byte limit; it was not read",
                limit=limit,
                received=0,
            )
        body = _CappedBody(
            response.headers.get("Content-Encoding"), limit=limit, origin=origin, sink=sink
        )
        # Leaving this loop by an exception leaves the generator suspended; the caller's
        # response.aclose() releases the connection right away either way.
        async for chunk in response.aiter_raw():
            body.feed(chunk)
        return body.finish()


def guarded_client(
    *,
    allow_private: bool = False,
    require_https: bool = False,
    timeout: float = 15.0,
    idle_timeout: float | None = None,
    max_redirects: int = 3,
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    resolver: Resolver | None = None,
    network_backend: httpcore.AsyncNetworkBackend | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> GuardedClient:
    """Build the client every fetch of a user-supplied URL must go through.

    `allow_private` comes from `LOWTATO_ALLOW_PRIVATE_URLS` and is for local tests only.
    `require_https` refuses plain http (webhooks). `timeout` caps the whole exchange in seconds;
    `idle_timeout` (default: `timeout`) caps each wait for the server's next bytes.
    `resolver` replaces DNS (tests play a rebinding DNS server with it); `network_backend` is
    what dials the checked address (default `httpcore.AnyIOBackend`; tests pass a fake internet
    that routes a public address to a loopback server); `ssl_context` is the trust store for
    https (default: httpx's, i.e. certifi, built once per process: `kit.tls`).
    """
    return GuardedClient(
        allow_private=allow_private,
        require_https=require_https,
        timeout=timeout,
        idle_timeout=idle_timeout,
        max_redirects=max_redirects,
        max_response_bytes=max_response_bytes,
        resolver=resolver,
        network_backend=network_backend,
        ssl_context=ssl_context,
    )


def guarded_httpx_client(
    *,
    allow_private: bool = False,
    require_https: bool = False,
    timeout: float = 30.0,
    resolver: Resolver | None = None,
    network_backend: httpcore.AsyncNetworkBackend | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> httpx.AsyncClient:
    """An `httpx.AsyncClient` for API calls to a user-supplied host (a Bluesky account's own
    PDS), for code written against httpx (streamed uploads, `params`, `json`).

    It keeps layers 1 and 2 of the module docstring on every request — each URL through
    `check_url` (with `require_https`), every connection's addresses checked as it is dialled —
    and never follows a redirect (a 3xx comes back as is). Unlike `GuardedClient` it does not
    cap response bodies or the whole exchange; `timeout` applies per phase as in httpx.
    Failures raise `UnsafeURLError` or `OutboundRequestError` (refused or unresolvable host)
    or httpx's own exceptions (connect errors, timeouts).
    """
    pool = _guarded_pool(allow_private, resolver, network_backend, ssl_context)
    return _client_over(
        _GuardedTransport(pool, check=(allow_private, require_https)),
        httpx.Timeout(timeout, connect=min(10.0, timeout)),
    )


def _guarded_pool(
    allow_private: bool,
    resolver: Resolver | None,
    network_backend: httpcore.AsyncNetworkBackend | None,
    ssl_context: ssl.SSLContext | None,
) -> httpcore.AsyncConnectionPool:
    limits = httpx.Limits()
    return httpcore.AsyncConnectionPool(
        ssl_context=ssl_context or trust_store(),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=_GuardedNetworkBackend(
            network_backend or httpcore.AnyIOBackend(),
            allow_private=allow_private,
            resolver=resolver,
        ),
    )


def _client_over(
    transport: _GuardedTransport, timeout: httpx.Timeout, headers: Mapping[str, str] | None = None
) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=transport,
        timeout=timeout,
        follow_redirects=False,
        # No proxies or .netrc credentials from the environment: a proxy would dial on our
        # behalf, out of reach of the connect-time check.
        trust_env=False,
        # A cookie set by one user's server must never travel to another user's server.
        cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
        headers=headers,
    )


def _finished(
    response: httpx.Response, body: bytes, history: list[httpx.Response]
) -> httpx.Response:
    """Rebuild a read streaming response around its decoded body."""
    headers = response.headers.copy()
    if "Content-Encoding" in headers:
        # _CappedBody decoded it (or refused it), so these described bytes we no longer hold.
        del headers["Content-Encoding"]
        if "Content-Length" in headers:
            del headers["Content-Length"]
    result = httpx.Response(
        response.status_code,
        headers=headers,
        content=body,
        request=response.request,
        history=history,
        # network_stream would point at a connection that is closed or back in the pool.
        extensions={k: v for k, v in response.extensions.items() if k != "network_stream"},
    )
    result.elapsed = response.elapsed
    return result


def _refused_redirect(
    response: httpx.Response, target: httpx.URL, exc: UnsafeURLError
) -> UnsafeURLError:
    return UnsafeURLError(
        f"{_origin(response.url)} redirected to {_origin(target)}, which is refused: {exc.reason}"
    )


def _origin(url: httpx.URL) -> str:
    """scheme://host[:port] — enough to name the server without echoing tokens in the path."""
    return f"{url.scheme}://{url.netloc.decode('ascii')}"


def _failed_url(exc: Exception, fallback: httpx.URL) -> httpx.URL:
    if isinstance(exc, httpx.RequestError):
        with contextlib.suppress(RuntimeError):  # raised when httpx attached no request
            return exc.request.url
    return fallback


def _failure_reason(exc: httpx.HTTPError, fallback: httpx.URL) -> str:
    origin = _origin(_failed_url(exc, fallback))
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectError):
        return f"could not connect to {origin} ({detail}); check that the server is up"
    if isinstance(exc, httpx.ProtocolError):
        return f"{origin} sent a response that is not valid HTTP ({detail})"
    return f"the request to {origin} failed ({type(exc).__name__}: {detail})"
