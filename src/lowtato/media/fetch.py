"""Getting a post's media bytes at publish time, with the checks uploads get.

A media URL of this server is read straight from storage (no HTTP round trip, and no
exception to the SSRF guard for our own address). Every other URL goes through the guarded
client (address checks at connect time, redirects re-checked, body capped at the largest media
limit, time-capped). Either way the type comes from the bytes and must be JPEG, PNG, GIF, WebP,
MP4 or WebM, within that type's size limit.

Failures are platform errors, which the publish flow turns into the post's state: a file that
is missing, refused or wrong is ``Rejected`` (the post fails with a message naming the URL); a
server that is down or slow is ``Retryable`` (nothing was sent yet, so a later attempt is safe).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from lowtato.kit.guarded_http import (
    OutboundError,
    ResponseTooLargeError,
    UnsafeURLError,
    guarded_client,
)
from lowtato.media import sniff
from lowtato.media.storage import Storage, StoredFileMissing, parse_media_url
from lowtato.media.upload import Limits
from lowtato.platforms.base import FetchedMedia, Media, MediaFetcher
from lowtato.platforms.errors import Rejected, Retryable

_RETRY_STATUSES = {408, 425, 429, 500, 502, 503, 504}


class GuardedMediaFetcher:
    """The ``MediaFetcher`` of a process. Without ``storage`` (adapter tests) every URL is
    downloaded; ``max_bytes`` alone is one limit for images and videos alike."""

    def __init__(
        self,
        *,
        allow_private: bool,
        storage: Storage | None = None,
        public_url: str = "",
        limits: Limits | None = None,
        max_bytes: int | None = None,
        timeout: float = 120.0,
    ) -> None:
        if limits is None:
            if max_bytes is None:
                msg = "give limits or max_bytes"
                raise ValueError(msg)
            limits = Limits(max_bytes, max_bytes)
        self.storage = storage
        self.own_prefix = public_url.rstrip("/") + "/media/" if public_url else None
        self.limits = limits
        self.allow_private = allow_private
        self.timeout = timeout

    async def __call__(self, media: Media) -> FetchedMedia:
        own = parse_media_url(media.url) if self.storage is not None else None
        if self.storage is not None and own is not None:
            try:
                return self._checked(media.url, await self.storage.read(own.key))
            except StoredFileMissing:
                if self.own_prefix and media.url.startswith(self.own_prefix):
                    raise Rejected(
                        f"media {media.url} no longer exists (it was deleted); upload it again "
                        "and update the post",
                        code="media_unavailable",
                    ) from None
                # The same URL shape on another server (another Lowtato): fetch it.
        return self._checked(media.url, await self._download(media.url))

    async def _download(self, url: str) -> bytes:
        try:
            async with guarded_client(
                allow_private=self.allow_private,
                timeout=self.timeout,
                max_response_bytes=self.limits.largest,
            ) as client:
                response = await client.get(url)
        except ResponseTooLargeError as exc:
            raise Rejected(
                f"media {url} is larger than {exc.limit} bytes, the largest file accepted",
                code="media_too_large",
            ) from exc
        except UnsafeURLError as exc:
            raise Rejected(
                f"media {url} cannot be fetched: {exc.reason}", code="media_unavailable"
            ) from exc
        except OutboundError as exc:  # unreachable, timed out, broken: maybe better later
            raise Retryable(f"media {url} could not be fetched: {exc.reason}") from exc
        status = response.status_code
        if status in _RETRY_STATUSES:
            raise Retryable(
                f"media {url} could not be fetched: HTTP {status} (will retry)",
                after=_retry_after(response.headers),
            )
        if status != 200:
            raise Rejected(
                f"media {url} could not be fetched: HTTP {status}", code="media_unavailable"
            )
        return response.content

    def _checked(self, url: str, data: bytes) -> FetchedMedia:
        mime = sniff.sniff(data[: sniff.SNIFF_BYTES])
        if mime not in sniff.SUPPORTED:
            raise Rejected(
                f"media {url} is {sniff.describe(mime)}, not a {sniff.SUPPORTED_NAMES} file "
                "(judged by its bytes)",
                code="media_unsupported",
            )
        limit = self.limits.for_type(mime)
        if len(data) > limit:
            raise Rejected(
                f"media {url} is {len(data)} bytes, over the {limit}-byte limit for "
                f"{sniff.kind_of(mime)}s",
                code="media_too_large",
            )
        return FetchedMedia(data=data, mime_type=mime)


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after", "")
    return float(value) if value.isdigit() else None


class _Prefetched:
    """Hands adapters the bytes already downloaded for this publish; fetches the rest."""

    def __init__(self, fetch: MediaFetcher, files: dict[str, FetchedMedia]) -> None:
        self.fetch = fetch
        self.files = files

    async def __call__(self, media: Media) -> FetchedMedia:
        found = self.files.get(media.url)
        return found if found is not None else await self.fetch(media)


async def prefetch(
    fetch: MediaFetcher | None, media: Sequence[Media]
) -> tuple[list[Media], MediaFetcher | None]:
    """Download and check every media item whose type is unknown (URLs from elsewhere) before
    anything is sent to the platform. Returns the media with kind, type and size filled in,
    so the platform's rules are applied to the real files, and a fetcher that gives adapters
    those bytes again instead of downloading twice."""
    if fetch is None or all(m.kind is not None for m in media):
        return list(media), fetch
    files: dict[str, FetchedMedia] = {}
    known = []
    for item in media:
        if item.kind is not None:
            known.append(item)
            continue
        got = files.get(item.url) or await fetch(item)
        files[item.url] = got
        kind = sniff.kind_of(got.mime_type)
        known.append(replace(item, kind=kind, mime_type=got.mime_type, size=len(got.data)))
    return known, _Prefetched(fetch, files)
