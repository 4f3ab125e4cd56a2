"""Fetching a user-supplied URL through the guarded client (``kit.guarded_http``: address
checks, redirects re-checked, body cap incl. compression bombs, deadlines) and turning every
way that can go wrong into ``ExtractionFailed`` or ``TryAgain`` with a sentence a user can act
on."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import httpx

from lowtato.kit.guarded_http import (
    OutboundRequestError,
    OutboundTimeoutError,
    RedirectError,
    ResponseTooLargeError,
    UnsafeURLError,
    guarded_client,
)
from lowtato.sources.failures import ExtractionFailed, TryAgain

MB = 1024 * 1024


@dataclass(frozen=True)
class FetchPolicy:
    allow_private: bool = False  # LOWTATO_ALLOW_PRIVATE_URLS, for local tests only
    timeout: float = 30.0  # the whole exchange, seconds
    idle_timeout: float = 15.0  # the longest silence from the server, seconds


def megabytes(size: int) -> str:
    return f"{size / MB:g} MB"


async def fetch(
    url: str,
    *,
    what: str,
    policy: FetchPolicy,
    max_bytes: int,
    params: Mapping[str, str] | None = None,
    accept: Callable[[httpx.Response], object] | None = None,
    missing: str | None = None,
) -> httpx.Response:
    """GET ``url`` (``what`` names it in messages: "the article"); a 2xx response, body read.

    ``accept`` sees the status and headers before the body is read and may raise
    ``ExtractionFailed`` (a wrong content type is refused unread). ``missing`` replaces the
    message for 401/403/404/410 (an oEmbed endpoint's "no such public post").
    """

    def check(response: httpx.Response) -> None:
        if missing is not None and response.status_code in {401, 403, 404, 410}:
            raise ExtractionFailed(missing)
        _check_status(response, what)
        if accept is not None:
            accept(response)

    try:
        async with guarded_client(
            allow_private=policy.allow_private,
            timeout=policy.timeout,
            idle_timeout=policy.idle_timeout,
            max_response_bytes=max_bytes,
        ) as client:
            return await client.request("GET", url, params=params, accept=check)
    except UnsafeURLError as exc:
        raise ExtractionFailed(f"{what} URL is refused: {exc.reason}") from exc
    except ResponseTooLargeError as exc:
        raise ExtractionFailed(
            f"{what} is larger than {megabytes(exc.limit)}, the most Lowtato reads for this "
            f"source type ({exc.reason}); use a smaller file or send the text itself"
        ) from exc
    except RedirectError as exc:
        raise ExtractionFailed(f"{what} could not be fetched: {exc.reason}") from exc
    except OutboundTimeoutError as exc:
        raise TryAgain(f"{what} could not be fetched in time: {exc.reason}") from exc
    except OutboundRequestError as exc:
        raise TryAgain(f"{what} could not be fetched: {exc.reason}") from exc


def _check_status(response: httpx.Response, what: str) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    if status in {404, 410}:
        raise ExtractionFailed(
            f"{what} was not found (HTTP {status}); check that the URL is right and public"
        )
    if status in {401, 403}:
        raise ExtractionFailed(
            f"{what} is not public (HTTP {status}); use a page that opens without logging in, "
            "or send its text as sourceType 'text'"
        )
    if status == 429 or status >= 500:
        raise TryAgain(f"{what}'s server answered HTTP {status}")
    raise ExtractionFailed(f"{what} could not be fetched (HTTP {status})")


def media_type(response: httpx.Response) -> str:
    """The Content-Type without parameters, lower case ('' when absent)."""
    value: str = response.headers.get("Content-Type", "")
    return value.split(";", 1)[0].strip().lower()
