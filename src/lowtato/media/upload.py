"""Receiving an upload as a stream, never as a whole body.

Two request forms (contract): ``multipart/form-data`` with the file in field ``file``, or JSON
``{"data": "<base64>", "mime_type": "image/png"}`` (``filename`` optional; a ``data:`` URL is
accepted as ``data`` too). Both are parsed incrementally from ``request.stream()``: every
incoming chunk is handled in slices of at most ``SLICE`` bytes, the decoded file bytes go
straight to a spool file on disk, and nothing else is kept but a few small fields. So memory is
bounded by a slice, not by the file, whatever the file's size.

Refusals come as early as the bytes allow:

- a ``Content-Length`` larger than any valid request could need → 413 before reading anything;
- the first ``SNIFF_BYTES`` of the file decide its type: not JPEG/PNG/GIF/WebP/MP4/WebM, or
  not what the request declared (part Content-Type, file name extension, ``mime_type``) →
  415 at once;
- the file passing its type's limit (images and videos have separate limits) → 413 at once.

Memory is bounded by ``SLICE`` for multipart too: python-multipart's ``MultipartParser`` is a
callback-driven streaming parser (Starlette's ``request.form()`` would spool whole parts
without a size cap, so it is not used). The JSON form has its own scanner (``jsonbody``).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from lowtato.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from lowtato.media import sniff
from lowtato.media.jsonbody import FIELD_BYTES, Base64Json

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

SLICE = 64 * 1024  # bytes handled at a time: bounds every temporary copy
_MIB = 1024 * 1024
_FORMS = "multipart/form-data (the file in field 'file') or application/json {data, mime_type}"


@dataclass(frozen=True, slots=True)
class Limits:
    image_bytes: int
    video_bytes: int

    @property
    def largest(self) -> int:
        return max(self.image_bytes, self.video_bytes)

    def for_type(self, mime_type: str) -> int:
        return self.video_bytes if sniff.kind_of(mime_type) == "video" else self.image_bytes


@dataclass(frozen=True, slots=True)
class Received:
    """A complete upload, spooled to ``path`` (the caller stores or deletes it)."""

    path: Path
    mime_type: str
    size: int
    sha256: str
    filename: str | None


def _size(n: int) -> str:
    return f"{n / _MIB:.1f} MiB ({n} bytes)" if n >= _MIB else f"{n} bytes"


def too_large(limit: int, what: str) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The file is larger than {_size(limit)}, the limit for {what}. "
        "Send a smaller file (the limits are LOWTATO_MEDIA_MAX_IMAGE_BYTES and "
        "LOWTATO_MEDIA_MAX_VIDEO_BYTES).",
        details={"limit": limit, "kind": what},
    )


def unsupported(detected: str | None) -> UnsupportedMediaType:
    return UnsupportedMediaType(
        f"The file is {sniff.describe(detected)}; uploads must be {sniff.SUPPORTED_NAMES}. "
        "The type is read from the file's own bytes, not from its name or declared type.",
        details={"detected": detected, "supported": list(sniff.SUPPORTED)},
    )


class _Sink:
    """Takes the file's bytes as they are decoded: decides the type from the first bytes,
    holds it to that type's limit, hashes, and writes to a spool file."""

    def __init__(self, limits: Limits, spool_dir: Path) -> None:
        self.limits = limits
        fd, name = tempfile.mkstemp(dir=spool_dir, prefix="upload-", suffix=".part")
        self.path = Path(name)
        self.file: IO[bytes] = os.fdopen(fd, "wb")
        self.head = bytearray()
        self.mime: str | None = None
        self.size = 0
        self.hash = hashlib.sha256()
        self.filename: str | None = None
        self.declared: list[tuple[str, str]] = []

    def declare(self, source: str, mime_type: str | None) -> None:
        """Record what the request says the type is; checked against the bytes."""
        if mime_type is None:
            return
        self.declared.append((source, mime_type))
        if self.mime is not None:
            self._check_declared()

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if self.mime is None:
            if self.size > self.limits.largest:
                raise too_large(self.limits.largest, "uploads")
            self.head += data
            if len(self.head) < sniff.SNIFF_BYTES:
                return
            self._decide()
            data, self.head = bytes(self.head), bytearray()
        elif self.size > self.limits.for_type(self.mime):
            raise self._too_large()
        self.hash.update(data)
        # A write of one slice to the page cache; not worth a thread hop per slice.
        self.file.write(data)

    def finish(self) -> Received:
        if self.mime is None:
            if not self.size:
                raise ValidationFailed.field("file", "the file is empty")
            self._decide()
            self.hash.update(self.head)
            self.file.write(self.head)
        self._check_declared()
        self.file.close()
        assert self.mime is not None
        return Received(self.path, self.mime, self.size, self.hash.hexdigest(), self.filename)

    def discard(self) -> None:
        self.file.close()
        self.path.unlink(missing_ok=True)

    def _decide(self) -> None:
        mime = sniff.sniff(bytes(self.head[: sniff.SNIFF_BYTES]))
        if mime not in sniff.SUPPORTED:
            raise unsupported(mime)
        self.mime = mime
        self._check_declared()
        if self.size > self.limits.for_type(mime):
            raise self._too_large()

    def _too_large(self) -> PayloadTooLarge:
        assert self.mime is not None
        kind = sniff.kind_of(self.mime) or "files"
        return too_large(self.limits.for_type(self.mime), f"{kind}s")

    def _check_declared(self) -> None:
        for source, declared in self.declared:
            if declared != self.mime:
                raise UnsupportedMediaType(
                    f"{source} says {declared}, but the file's bytes are "
                    f"{sniff.describe(self.mime)} ({self.mime}). Send the right type, or leave "
                    "it out: the type is read from the bytes.",
                    details={"declared": declared, "detected": self.mime},
                )


class _Multipart:
    """multipart/form-data: part ``file`` streams into the sink; other parts are small fields
    (``mime_type`` is honoured as a declaration, the rest ignored)."""

    def __init__(self, boundary: bytes, sink: _Sink) -> None:
        self.sink = sink
        callbacks: MultipartCallbacks = {
            "on_part_begin": self._part_begin,
            "on_header_field": lambda d, s, e: self._small(self.field, d[s:e]),
            "on_header_value": lambda d, s, e: self._small(self.value, d[s:e]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
            "on_end": self._end,
        }
        try:
            self.parser = MultipartParser(boundary, callbacks)
        except FormParserError as exc:  # e.g. a boundary longer than the parser allows
            raise ValidationFailed.field(
                "file", f"the multipart Content-Type's boundary is not usable ({exc})"
            ) from exc
        self.field = bytearray()
        self.value = bytearray()
        self.headers: dict[bytes, bytes] = {}
        self.part: str | None = None
        self.fields: dict[str, bytearray] = {}
        self.small_bytes = 0
        self.files = 0
        self.ended = False

    def feed(self, data: bytes) -> None:
        try:
            self.parser.write(data)
        except FormParserError as exc:
            raise ValidationFailed.field(
                "file", f"the multipart body is malformed ({exc})"
            ) from exc

    def finish(self) -> None:
        if not self.ended:
            raise ValidationFailed.field(
                "file", "the multipart body ended before its closing boundary"
            )
        if not self.files:
            raise ValidationFailed.field("file", "no part named 'file'; send the file in 'file'")

    def _small(self, into: bytearray, data: bytes) -> None:
        self.small_bytes += len(data)
        if self.small_bytes > FIELD_BYTES:
            raise ValidationFailed.field(
                "file", f"the parts besides 'file' exceed {FIELD_BYTES} bytes"
            )
        into += data

    def _part_begin(self) -> None:
        self.headers = {}

    def _header_end(self) -> None:
        self.headers[bytes(self.field).strip().lower()] = bytes(self.value).strip()
        self.field, self.value = bytearray(), bytearray()

    def _headers_finished(self) -> None:
        _, disposition = parse_options_header(self.headers.get(b"content-disposition"))
        name = disposition.get(b"name", b"").decode("latin-1")
        if name != "file":
            self.part = name
            self.fields[name] = bytearray()
            return
        if self.files:
            raise ValidationFailed.field("file", "send one file per upload")
        self.files += 1
        self.part = "file"
        raw_name = disposition.get(b"filename")
        filename = raw_name.decode("utf-8", "replace") if raw_name else None
        self.sink.filename = filename
        declared = self.headers.get(b"content-type", b"").decode("latin-1")
        self.sink.declare("The part's Content-Type", sniff.normalize(declared))
        self.sink.declare(f"The file name {filename!r}", sniff.type_of_name(filename))

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self.part == "file":
            self.sink.write(data[start:end])
        elif self.part is not None:
            self._small(self.fields[self.part], data[start:end])

    def _part_end(self) -> None:
        if self.part == "mime_type":
            value = self.fields["mime_type"].decode("utf-8", "replace")
            self.sink.declare("The mime_type field", sniff.normalize(value))
        self.part = None

    def _end(self) -> None:
        self.ended = True


def _content_length(request: Request) -> int | None:
    value = request.headers.get("content-length", "")
    return int(value) if value.isascii() and value.isdigit() else None


def _base64_length(n: int) -> int:
    return 4 * ((n + 2) // 3)


async def receive(request: Request, limits: Limits, spool_dir: Path) -> Received:
    """Read the upload in ``request`` (see the module docstring); the caller owns the file."""
    ctype, params = parse_options_header(request.headers.get("content-type"))
    length = _content_length(request)
    boundary: bytes | None = None
    if ctype == b"multipart/form-data":
        if length is not None and length > limits.largest + FIELD_BYTES:
            raise too_large(limits.largest, "uploads")
        boundary = params.get(b"boundary")
        if not boundary:
            raise ValidationFailed.field("file", "the multipart Content-Type has no boundary")
    elif ctype == b"application/json" or ctype.endswith(b"+json"):
        # Room for JSON escapes (\/, \n line breaks) of the base64 text: 1/16 more.
        encoded = _base64_length(limits.largest)
        if length is not None and length > encoded + encoded // 16 + FIELD_BYTES:
            raise too_large(limits.largest, "uploads")
    else:
        raise UnsupportedMediaType(
            f"Send {_FORMS}; got Content-Type '{ctype.decode('latin-1') or 'none'}'.",
            details={"content_type": ctype.decode("latin-1")},
        )
    sink = _Sink(limits, spool_dir)
    try:
        parser = _Multipart(boundary, sink) if boundary else Base64Json(sink)
        async for chunk in request.stream():
            if len(chunk) <= SLICE:
                parser.feed(chunk)
                continue
            for start in range(0, len(chunk), SLICE):
                parser.feed(chunk[start : start + SLICE])
        parser.finish()
        return sink.finish()
    except ClientDisconnect as exc:
        sink.discard()
        raise ValidationFailed.field(
            "file", "the connection closed before the upload ended"
        ) from exc
    except BaseException:
        sink.discard()
        raise
