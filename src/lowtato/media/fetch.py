"""Getting a post's media bytes at publish time, with the checks uploads get.

A media URL of this server is read straight from storage (no HTTP round trip, and no
exception to the SSRF guard for our own address). Every other URL goes through the guarded
client (address checks at connect time, every redirect hop re-checked, a redirect loop or more
than ``max_redirects`` hops refused, a total and an idle time limit). Either way the type comes
from the bytes and must be JPEG, PNG, GIF, WebP, MP4 or WebM, within that type's size limit.

A download is refused as early as the server gives it away, because every byte read is a
worker's time and the server's disk: before the body when ``Content-Length`` is over the limit
of the type ``Content-Type`` announces (an image over the image limit), after its first bytes
when they are not a supported type, and as soon as the bytes read (decoded, when the server
compressed them) pass the limit of the type those first bytes show — whatever ``Content-Type``
claimed. The guarded client's own cap (the largest limit) is the backstop.

Failures are platform errors, which the publish flow turns into the post's state: a file that
is missing, refused, wrong, too large, or behind a redirect loop is ``Rejected`` (the post fails
with a message naming the URL and the reason); a server that is down or too slow is
``MediaUnavailable``, a ``Retryable`` (nothing was sent yet, so a later attempt is safe; out of
attempts, the post fails with ``media_unavailable``).

Nothing is held whole in memory: a stored file is read in pieces straight from storage when
an adapter sends it, and a download is written piece by piece to a temporary file (refused
once past the cap) that the adapters read the same way. A publish attempt's temporary files
are deleted when the attempt ends, whatever its outcome (``prefetch`` / ``discard_downloads``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import httpx

from lowtato.kit.guarded_http import (
    OutboundError,
    RedirectError,
    ResponseTooLargeError,
    UnsafeURLError,
    guarded_client,
)
from lowtato.media import sniff
from lowtato.media.storage import FileSource, Storage, StoredFileMissing, parse_media_url
from lowtato.media.upload import Limits
from lowtato.platforms.base import ByteSource, FetchedMedia, Media, MediaFetcher
from lowtato.platforms.errors import Rejected, Retryable

_RETRY_STATUSES = {408, 425, 429, 500, 502, 503, 504}


class MediaUnavailable(Retryable):
    """A media server that is down, failing or too slow: the post retries, and once out of
    attempts fails with this code (the message names the URL and the reason)."""

    code = "media_unavailable"


class TempFile(FileSource):
    """A download spooled to disk, deleted by ``discard`` (or, as a last resort, when the
    object is garbage collected, so a caller that never discards it leaks no file)."""

    def __init__(self, path: Path, size: int) -> None:
        super().__init__(path, size)
        self._remove = weakref.finalize(self, _unlink, path)

    async def discard(self) -> None:
        await asyncio.to_thread(self._remove)


def _unlink(path: Path) -> None:
    path.unlink(missing_ok=True)


class GuardedMediaFetcher:
    """The ``MediaFetcher`` of a process. Without ``storage`` (adapter tests) every URL is
    downloaded (to the system's temporary directory); ``max_bytes`` alone is one limit for
    images and videos alike."""

    def __init__(
        self,
        *,
        allow_private: bool,
        storage: Storage | None = None,
        public_url: str = "",
        limits: Limits | None = None,
        max_bytes: int | None = None,
        timeout: float = 120.0,
        idle_timeout: float = 15.0,
        max_redirects: int = 3,
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
        self.idle_timeout = idle_timeout
        self.max_redirects = max_redirects

    async def __call__(self, media: Media) -> FetchedMedia:
        """The checked file. One that was downloaded is a ``TempFile``: the caller deletes it
        (``discard_downloads`` does, for the fetcher ``prefetch`` returns)."""
        own = parse_media_url(media.url) if self.storage is not None else None
        if self.storage is not None and own is not None:
            try:
                return await self._checked(media.url, await self.storage.source(own.key))
            except StoredFileMissing:
                if self.own_prefix and media.url.startswith(self.own_prefix):
                    raise Rejected(
                        f"media {media.url} no longer exists (it was deleted); upload it again "
                        "and update the post",
                        code="media_unavailable",
                    ) from None
                # The same URL shape on another server (another Lowtato): fetch it.
        spooled = await self._download(media.url)
        try:
            return await self._checked(media.url, spooled)
        except BaseException:
            await spooled.discard()
            raise

    async def _download(self, url: str) -> TempFile:
        spool_dir = self.storage.spool_dir if self.storage is not None else None
        fd, name = await asyncio.to_thread(
            tempfile.mkstemp, dir=spool_dir, prefix="fetch-", suffix=".part"
        )
        path = Path(name)
        try:
            with os.fdopen(fd, "wb") as out:
                # Pieces arrive a network read at a time; a buffered write of one is quick,
                # so it is done in the event loop rather than a thread per piece.
                await self._get(url, _Spool(url, self.limits, out.write))
                size = out.tell()
        except BaseException:
            await asyncio.to_thread(_unlink, path)
            raise
        return TempFile(path, size)

    async def _get(self, url: str, spool: _Spool) -> None:
        try:
            async with guarded_client(
                allow_private=self.allow_private,
                timeout=self.timeout,
                idle_timeout=self.idle_timeout,
                max_redirects=self.max_redirects,
                max_response_bytes=self.limits.largest,
            ) as client:
                await client.request("GET", url, sink=spool.write, accept=spool.accept)
        except ResponseTooLargeError as exc:
            raise Rejected(
                f"media {url} is larger than {exc.limit} bytes, the largest file accepted",
                code="media_too_large",
            ) from exc
        except (UnsafeURLError, RedirectError) as exc:  # asking again ends the same way
            raise Rejected(
                f"media {url} cannot be fetched: {exc.reason}", code="media_unavailable"
            ) from exc
        except OutboundError as exc:  # unreachable, timed out, broken: maybe better later
            raise MediaUnavailable(f"media {url} could not be fetched: {exc.reason}") from exc
        spool.finish()

    async def _checked(self, url: str, source: ByteSource) -> FetchedMedia:
        file = FetchedMedia(source, "application/octet-stream")
        mime = _supported(url, await file.head(sniff.SNIFF_BYTES))
        limit = self.limits.for_type(mime)
        if source.size > limit:
            raise Rejected(
                f"media {url} is {source.size} bytes, over the {limit}-byte limit for "
                f"{sniff.kind_of(mime)}s",
                code="media_too_large",
            )
        return FetchedMedia(source, mime)


def _supported(url: str, head: bytes) -> str:
    """The type of a file from its first bytes, if it is one we take."""
    mime = sniff.sniff(head)
    if mime is None or mime not in sniff.SUPPORTED:
        raise Rejected(
            f"media {url} is {sniff.describe(mime)}, not a {sniff.SUPPORTED_NAMES} file "
            "(judged by its bytes)",
            code="media_unsupported",
        )
    return mime


class _Spool:
    """Judges a download while it arrives, handing the accepted bytes to ``write``.

    ``accept`` sees the answer before its body: a status other than 200 ends it unread, and
    so does a ``Content-Length`` over the limit of the type ``Content-Type`` announces.
    ``write`` gets the body (decoded) piece by piece: once the first bytes say what the file
    is, an unsupported type stops it, and so does passing that type's limit.
    """

    def __init__(self, url: str, limits: Limits, write: Callable[[bytes], object]) -> None:
        self.url = url
        self.limits = limits
        self._write = write
        self._head = b""
        self._mime: str | None = None
        self._size = 0

    def accept(self, response: httpx.Response) -> None:
        status = response.status_code
        if status in _RETRY_STATUSES:
            raise MediaUnavailable(
                f"media {self.url} could not be fetched: HTTP {status} (will retry)",
                after=_retry_after(response.headers),
            )
        if status != 200:
            raise Rejected(
                f"media {self.url} could not be fetched: HTTP {status}", code="media_unavailable"
            )
        declared = sniff.normalize(response.headers.get("Content-Type"))
        length = response.headers.get("Content-Length", "")
        if declared is None or sniff.kind_of(declared) is None or not length.isdigit():
            return
        limit = self.limits.for_type(declared)
        if int(length) > limit:
            raise Rejected(
                f"media {self.url} announces {length} bytes of {declared}, over the "
                f"{limit}-byte limit for {sniff.kind_of(declared)}s; it was not downloaded",
                code="media_too_large",
            )

    def write(self, part: bytes) -> None:
        self._size += len(part)
        if self._mime is None:
            self._head += part[: sniff.SNIFF_BYTES]
            if len(self._head) >= sniff.SNIFF_BYTES:
                self._mime = _supported(self.url, self._head)
        if self._mime is not None:
            limit = self.limits.for_type(self._mime)
            if self._size > limit:
                raise Rejected(
                    f"media {self.url} is {sniff.describe(self._mime)} (judged by its bytes) "
                    f"larger than the {limit}-byte limit for {sniff.kind_of(self._mime)}s; "
                    "the download was stopped",
                    code="media_too_large",
                )
        self._write(part)

    def finish(self) -> None:
        """The whole body arrived: one shorter than a type's signature is judged now."""
        if self._mime is None:
            self._mime = _supported(self.url, self._head)


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after", "")
    return float(value) if value.isdigit() else None


class _Attempt:
    """The fetcher of one publish attempt: hands adapters the files already fetched for it,
    fetches the rest, and keeps every temporary file so ``discard`` can delete them."""

    def __init__(self, fetch: MediaFetcher) -> None:
        self.fetch = fetch
        self.files: dict[str, FetchedMedia] = {}
        self.spooled: list[TempFile] = []

    async def __call__(self, media: Media) -> FetchedMedia:
        found = self.files.get(media.url)
        if found is None:
            found = await self.fetch(media)
            if isinstance(found.body, TempFile):
                self.spooled.append(found.body)
            self.files[media.url] = found
        return found

    async def discard(self) -> None:
        spooled, self.spooled = self.spooled, []
        self.files.clear()
        for file in spooled:
            await file.discard()


async def prefetch(
    fetch: MediaFetcher | None, media: Sequence[Media]
) -> tuple[list[Media], MediaFetcher | None]:
    """Download and check every media item whose type is unknown (URLs from elsewhere) before
    anything is sent to the platform. Returns the media with kind, type and size filled in,
    so the platform's rules are applied to the real files, and the attempt's fetcher, which
    gives adapters those files again instead of downloading twice. Call ``discard_downloads`` on it
    when the attempt ends: that deletes the temporary files."""
    if fetch is None:
        return list(media), None
    attempt = _Attempt(fetch)
    known = []
    try:
        for item in media:
            if item.kind is not None:
                known.append(item)
                continue
            got = await attempt(item)
            kind = sniff.kind_of(got.mime_type)
            known.append(replace(item, kind=kind, mime_type=got.mime_type, size=got.size))
    except BaseException:
        await attempt.discard()
        raise
    return known, attempt


async def discard_downloads(fetch: MediaFetcher | None) -> None:
    """End of a publish attempt: delete the temporary files its fetcher downloaded to."""
    if isinstance(fetch, _Attempt):
        with contextlib.suppress(OSError):  # a leftover file must not change the outcome
            await fetch.discard()
