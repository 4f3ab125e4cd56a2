"""Where uploaded media bytes live, behind one interface.

- ``LocalStorage``: a directory (``<data_dir>/media``), the embedded default; this app streams
  the files at their public URL.
- ``S3Storage``: any S3-compatible store (AWS S3, Cloudflare R2, MinIO) through boto3, whose
  blocking calls run in worker threads. The public URL still points at this app, which answers
  with a 307 to a short-lived presigned GET: the URL stored in a post never expires, the
  bucket stays private, and the app can tell its own media URLs apart from anyone else's.

Keys are ``{token}/{id}{ext}``, the tail of the public URL, so a URL whose token does not
match its id names no stored object at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import re
import shutil
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

from starlette.responses import FileResponse, RedirectResponse, Response

from lowtato.config import Settings
from lowtato.errors import NotFound
from lowtato.kit.files import private_dir
from lowtato.platforms.base import ByteSource

Check = Literal["ok", "error", "not_configured"]

_KEY = re.compile(r"^[A-Za-z0-9_-]{1,64}/[a-z0-9_]{1,60}\.[a-z0-9]{1,5}$")
# Content at a URL never changes (a new upload gets a new URL), so caches may keep it; short
# enough that a deleted file stops being served from caches soon after.
CACHE_CONTROL = "public, max-age=3600"
# User bytes served from our origin: never let a browser treat them as anything but media.
SAFE_HEADERS = {
    "Cache-Control": CACHE_CONTROL,
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}
_CHECK_TIMEOUT = 3.0


# The tail of every media URL this server hands out: /media/{token}/{id}{ext}.
_URL_TAIL = re.compile(
    r"/media/(?P<token>[A-Za-z0-9_-]{20,64})/(?P<id>med_[0-9a-z]{26})(?P<ext>\.[a-z0-9]{2,5})$"
)


@dataclass(frozen=True, slots=True)
class MediaUrl:
    """The parts of a media URL of the shape this server hands out."""

    token: str
    media_id: str
    key: str


def parse_media_url(url: str) -> MediaUrl | None:
    """The media id, token and storage key a Lowtato media URL names, or None for any other
    URL. Only the 144-bit token makes such a URL point at a stored file."""
    try:
        path = urlsplit(url.strip()).path
    except ValueError:
        return None
    found = _URL_TAIL.search(path)
    if found is None:
        return None
    token, media_id, ext = found.group("token", "id", "ext")
    return MediaUrl(token, media_id, f"{token}/{media_id}{ext}")


class StoredFileMissing(Exception):
    """The key names no stored object (deleted, or never stored)."""


class Storage(Protocol):
    name: str
    # Where an upload is spooled while it streams in (same filesystem as the files, for the
    # local backend, so storing it is a rename).
    spool_dir: Path

    async def put_file(self, key: str, path: Path, mime_type: str) -> None:
        """Store the file at ``path`` under ``key``; ``path`` is consumed (moved or deleted)."""

    async def source(self, key: str) -> ByteSource:
        """The object's size and a way to read it in pieces (never whole);
        ``StoredFileMissing`` when there is none."""

    async def delete(self, key: str) -> None:
        """Remove the object; a missing one is fine (deletes are retried)."""

    async def serve(self, key: str, mime_type: str) -> Response:
        """The HTTP response delivering the object to a client that has its public URL."""

    async def check(self) -> Check:
        """Health for ``GET /api/health`` (``checks.r2``): ``ok`` / ``error`` for object
        storage, ``not_configured`` for a healthy local directory."""


def _checked(key: str) -> str:
    if not _KEY.match(key):
        msg = f"invalid storage key {key!r}"
        raise ValueError(msg)
    return key


class LocalStorage:
    name = "local"

    def __init__(self, root: Path) -> None:
        self.root = root
        self.spool_dir = private_dir(root / ".incoming")

    def path(self, key: str) -> Path:
        return self.root / _checked(key)

    async def put_file(self, key: str, path: Path, mime_type: str) -> None:
        await asyncio.to_thread(self._move, path, self.path(key))

    @staticmethod
    def _move(source: Path, dest: Path) -> None:
        private_dir(dest.parent)
        try:
            os.replace(source, dest)  # atomic: a reader never sees half a file
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            shutil.move(source, dest)

    async def source(self, key: str) -> ByteSource:
        path = self.path(key)
        try:
            size = (await asyncio.to_thread(path.stat)).st_size
        except FileNotFoundError as exc:
            raise StoredFileMissing(key) from exc
        return FileSource(path, size)

    async def delete(self, key: str) -> None:
        path = self.path(key)

        def remove() -> None:
            path.unlink(missing_ok=True)
            with contextlib.suppress(OSError):  # not empty, or already gone
                path.parent.rmdir()

        await asyncio.to_thread(remove)

    async def serve(self, key: str, mime_type: str) -> Response:
        path = self.path(key)
        if not await asyncio.to_thread(path.is_file):
            raise NotFound("No media file at this URL.")
        # FileResponse streams in chunks and answers Range requests (video players, platforms).
        return FileResponse(path, media_type=mime_type, headers=SAFE_HEADERS)

    async def check(self) -> Check:
        def writable() -> bool:
            return self.root.is_dir() and os.access(self.root, os.W_OK | os.X_OK)

        # `r2` names object storage, which the embedded default has none of; a media directory
        # that cannot be written still shows, as an error.
        return "not_configured" if await asyncio.to_thread(writable) else "error"


class S3Storage:
    name = "s3"

    def __init__(
        self, client: Any, *, bucket: str, prefix: str, url_seconds: int, spool_dir: Path
    ) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self.url_seconds = url_seconds
        self.spool_dir = private_dir(spool_dir)

    def _key(self, key: str) -> str:
        return self.prefix + _checked(key)

    async def put_file(self, key: str, path: Path, mime_type: str) -> None:
        try:
            # upload_file switches to a multipart upload for large files, reading from disk.
            await asyncio.to_thread(
                self.client.upload_file,
                str(path),
                self.bucket,
                self._key(key),
                ExtraArgs={"ContentType": mime_type, "CacheControl": CACHE_CONTROL},
            )
        finally:
            await asyncio.to_thread(path.unlink, missing_ok=True)

    async def source(self, key: str) -> ByteSource:
        def size() -> int:
            try:
                head = self.client.head_object(Bucket=self.bucket, Key=self._key(key))
            except self.client.exceptions.ClientError as exc:
                # HEAD has no body, so a missing object is a bare 404, not NoSuchKey.
                if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                    raise StoredFileMissing(key) from exc
                raise
            return int(head["ContentLength"])

        return S3Source(self.client, self.bucket, self._key(key), await asyncio.to_thread(size))

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=self._key(key))

    async def serve(self, key: str, mime_type: str) -> Response:
        url: str = await asyncio.to_thread(
            self.client.generate_presigned_url,
            "get_object",
            Params={"Bucket": self.bucket, "Key": self._key(key), "ResponseContentType": mime_type},
            ExpiresIn=self.url_seconds,
        )
        # The redirect itself may be cached only for a fraction of the presigned lifetime.
        cache = f"private, max-age={max(0, self.url_seconds // 2)}"
        return RedirectResponse(url, status_code=307, headers={"Cache-Control": cache})

    async def check(self) -> Check:
        try:
            async with asyncio.timeout(_CHECK_TIMEOUT):
                await asyncio.to_thread(self.client.head_bucket, Bucket=self.bucket)
        except Exception:
            return "error"
        return "ok"


class FileSource:
    """A file on disk, read in worker threads one piece at a time."""

    def __init__(self, path: Path, size: int) -> None:
        self.path = path
        self._size = size

    @property
    def size(self) -> int:
        return self._size

    async def read(self, start: int, length: int, piece: int) -> AsyncIterator[bytes]:
        handle = await asyncio.to_thread(self.path.open, "rb")
        try:
            await asyncio.to_thread(handle.seek, start)
            left = length
            while left > 0:
                part = await asyncio.to_thread(handle.read, min(piece, left))
                if not part:
                    msg = f"{self.path} ended {left} bytes early"
                    raise OSError(msg)
                left -= len(part)
                yield part
        finally:
            handle.close()


class S3Source:
    """An object in the bucket, read with a ranged GET and streamed off its body in pieces
    (boto3 is blocking, so each read runs in a worker thread)."""

    def __init__(self, client: Any, bucket: str, key: str, size: int) -> None:
        self.client = client
        self.bucket = bucket
        self.key = key
        self._size = size

    @property
    def size(self) -> int:
        return self._size

    async def read(self, start: int, length: int, piece: int) -> AsyncIterator[bytes]:
        if length <= 0:
            return
        span = f"bytes={start}-{start + length - 1}"

        def get() -> Any:
            return self.client.get_object(Bucket=self.bucket, Key=self.key, Range=span)["Body"]

        body = await asyncio.to_thread(get)
        with contextlib.closing(body):
            while part := await asyncio.to_thread(body.read, piece):
                yield part


def s3_client(settings: Settings) -> Any:
    """A boto3 S3 client for the configured endpoint (thread-safe; shared by all requests)."""
    import boto3  # type: ignore[import-untyped]  # noqa: PLC0415 - only the s3 backend needs it
    from botocore.config import Config  # type: ignore[import-untyped]  # noqa: PLC0415

    endpoint = settings.storage_s3_endpoint or None
    config = Config(
        signature_version="s3v4",
        connect_timeout=5,
        read_timeout=60,
        retries={"max_attempts": 3, "mode": "standard"},
        # R2 and MinIO want path-style addressing; AWS picks what it likes.
        s3={"addressing_style": "path" if endpoint else "auto"},
    )
    key_id = settings.storage_s3_access_key_id.get_secret_value()
    secret = settings.storage_s3_secret_access_key.get_secret_value()
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name=settings.storage_s3_region or "us-east-1",
        # Unset keys fall back to boto3's usual chain (environment, profile, instance role).
        aws_access_key_id=key_id or None,
        aws_secret_access_key=secret or None,
        config=config,
    )


def build_storage(settings: Settings) -> Storage:
    if settings.storage_backend == "s3":
        if not settings.storage_s3_bucket:
            msg = "LOWTATO_STORAGE_BACKEND=s3 needs LOWTATO_STORAGE_S3_BUCKET"
            raise ValueError(msg)
        return S3Storage(
            s3_client(settings),
            bucket=settings.storage_s3_bucket,
            prefix=settings.storage_s3_prefix,
            url_seconds=settings.storage_s3_url_seconds,
            spool_dir=settings.data_dir / "uploads-incoming",
        )
    return LocalStorage(settings.data_dir / "media")


class StorageHealth:
    """The backend's health as the synchronous value ``GET /api/health`` reads.

    The last result is returned at once; when it is older than ``ttl`` seconds a fresh check
    starts in the background, so a slow or unreachable bucket never stalls the health check
    (which must answer fast, and says 503 only for the database).
    """

    def __init__(self, storage: Storage, ttl: float = 10.0) -> None:
        self.storage = storage
        self.ttl = ttl
        self.status: Check = "error"
        self._checked_at: float | None = None
        self._running: asyncio.Task[Check] | None = None

    async def refresh(self) -> Check:
        self.status = await self.storage.check()
        self._checked_at = time.monotonic()
        return self.status

    def __call__(self) -> Check:
        stale = self._checked_at is None or time.monotonic() - self._checked_at > self.ttl
        if stale and (self._running is None or self._running.done()):
            self._running = asyncio.get_running_loop().create_task(self.refresh())
        return self.status
