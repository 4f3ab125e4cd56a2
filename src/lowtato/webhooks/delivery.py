"""Sending one delivery attempt, judging the answer, and scheduling the next attempt.

Every attempt goes through the guarded client (``kit/guarded_http``): HTTPS only unless
``LOWTATO_ALLOW_PRIVATE_URLS``, the host resolved and every address checked again at connect
time (a name that now points at a private address is refused before dialling), redirects never
followed, the whole exchange capped at 15 s and the response body at 64 KiB.

How an answer is judged (Standard Webhooks; docs/reference/reliability.md §2):

====================================  ==========================================
2xx                                   succeeded
410 Gone                              the endpoint is disabled at once, no retry
3xx                                   failure (the redirect is not followed), retried
429, 5xx, any other 4xx               failure, retried; ``Retry-After`` honoured
timeout, refused, DNS, TLS, too big   failure, retried
====================================  ==========================================

Retries follow the Svix schedule: attempts at 0, 5 s, 5 min 5 s, 35 min 5 s, 2 h 35 min 5 s,
7 h 35 min 5 s, 17 h 35 min 5 s and 27 h 35 min 5 s (each delay spread by ±10 % so endpoints
that failed together do not all retry together); after the 8th failure the delivery is
``failed``. A ``Retry-After`` (seconds or HTTP-date) later than the scheduled time moves the
attempt to it, capped at 24 h so an endpoint cannot park a delivery forever.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Final

import httpcore
import httpx

from lowtato.kit import clock
from lowtato.kit.guarded_http import OutboundError, Resolver, UnsafeURLError, guarded_client

# Delay before attempt n+1 after attempt n (1-based) failed.
RETRY_DELAYS: Final = (5, 300, 1_800, 7_200, 18_000, 36_000, 36_000)
MAX_ATTEMPTS: Final = len(RETRY_DELAYS) + 1
JITTER: Final = 0.1
MAX_RETRY_AFTER: Final = timedelta(hours=24)
TIMEOUT_SECONDS: Final = 15.0
MAX_RESPONSE_BYTES: Final = 64 * 1024
USER_AGENT: Final = "Lowtato-Webhooks/1 (+https://www.standardwebhooks.com)"
_EXCERPT: Final = 200

_rng = random.Random()  # noqa: S311 - jitter, not security


class Verdict(StrEnum):
    succeeded = "succeeded"
    retry = "retry"
    gone = "gone"


@dataclass(frozen=True)
class AttemptResult:
    verdict: Verdict
    status_code: int | None
    duration_ms: int
    error: str | None = None
    # When the endpoint asked us to come back (from Retry-After), absolute.
    retry_after: datetime | None = None


def parse_retry_after(value: str | None, now: datetime) -> datetime | None:
    """``Retry-After`` as delay-seconds or an HTTP-date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        seconds = min(int(value), int(MAX_RETRY_AFTER.total_seconds()))
        return now + timedelta(seconds=seconds)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def next_attempt_at(
    attempts_made: int, now: datetime, retry_after: datetime | None = None
) -> datetime | None:
    """When to try again after ``attempts_made`` failed attempts; None when out of attempts."""
    if attempts_made >= MAX_ATTEMPTS:
        return None
    delay = RETRY_DELAYS[attempts_made - 1] * (1 + _rng.uniform(-JITTER, JITTER))
    at = now + timedelta(seconds=delay)
    if retry_after is not None:
        at = max(at, min(retry_after, now + MAX_RETRY_AFTER))
    return at


def _excerpt(response: httpx.Response) -> str:
    text = " ".join(response.text[:_EXCERPT].split())
    return f": {text}" if text else ""


def classify(response: httpx.Response, duration_ms: int, now: datetime) -> AttemptResult:
    code = response.status_code
    if 200 <= code < 300:
        return AttemptResult(Verdict.succeeded, code, duration_ms)
    if code == 410:
        return AttemptResult(
            Verdict.gone,
            code,
            duration_ms,
            "HTTP 410 Gone: the endpoint asked for deliveries to stop, so it was disabled",
        )
    if 300 <= code < 400:
        location = response.headers.get("Location", "")[:_EXCERPT] or "(no Location)"
        error = (
            f"HTTP {code}: the endpoint redirected to {location}; redirects are not followed, "
            "so update the webhook URL to the final address"
        )
    else:
        error = f"HTTP {code}{_excerpt(response)}"
    return AttemptResult(
        Verdict.retry,
        code,
        duration_ms,
        error,
        parse_retry_after(response.headers.get("Retry-After"), now),
    )


class WebhookSender:
    """Sends one signed delivery attempt and judges it.

    ``resolver`` is the DNS seam: ``None`` uses the system resolver; tests assign an async
    ``(host) -> [addresses]`` function to play a DNS answer that changes after registration.
    ``network_backend`` likewise replaces what dials the checked address (tests only). A new
    guarded client is made per attempt, so every attempt resolves and checks the host afresh;
    only the TLS trust store, which is costly to load, is shared.
    """

    def __init__(
        self,
        *,
        allow_private: bool,
        timeout: float = TIMEOUT_SECONDS,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        resolver: Resolver | None = None,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self.allow_private = allow_private
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        self.resolver = resolver
        self.network_backend = network_backend

    async def send(self, url: str, headers: Mapping[str, str], body: bytes) -> AttemptResult:
        started = time.monotonic()

        def elapsed() -> int:
            return int((time.monotonic() - started) * 1000)

        try:
            async with guarded_client(
                allow_private=self.allow_private,
                require_https=True,
                timeout=self.timeout,
                max_redirects=0,
                max_response_bytes=self.max_response_bytes,
                resolver=self.resolver,
                network_backend=self.network_backend,
            ) as client:
                response = await client.request(
                    "POST",
                    url,
                    headers={
                        **headers,
                        "Content-Type": "application/json",
                        "User-Agent": USER_AGENT,
                    },
                    content=body,
                    follow_redirects=False,
                )
        except UnsafeURLError as exc:
            return AttemptResult(
                Verdict.retry, None, elapsed(), f"refused before connecting: {exc.reason}"
            )
        except OutboundError as exc:
            return AttemptResult(Verdict.retry, None, elapsed(), exc.reason)
        return classify(response, elapsed(), clock.now())
