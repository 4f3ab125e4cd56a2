"""Request bodies that send a media file, or a byte range of it, streamed from where it lies.

The file is read in pieces as the request goes out (``FetchedMedia.chunks``), so an upload
holds a piece at a time, never the file. The length is known in advance and sent as
``Content-Length``: upload endpoints (presigned URLs, a PDS's uploadBlob, X's segments) expect
it, and httpx then sends the body as is instead of in chunked encoding. A body can be sent
once; a request sent again needs a new one (the file is simply read again).
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass

from lowtato.platforms.base import FetchedMedia


@dataclass(frozen=True, slots=True)
class Streamed:
    """What to pass to httpx: ``headers`` (type and length) and ``content``."""

    headers: dict[str, str]
    content: AsyncIterator[bytes]


def _span(file: FetchedMedia, start: int, length: int | None) -> int:
    end = file.size if length is None else min(file.size, start + length)
    return max(0, end - start)


def raw(
    file: FetchedMedia, content_type: str, *, start: int = 0, length: int | None = None
) -> Streamed:
    """The bytes themselves (the whole file, or ``length`` bytes from ``start``)."""
    span = _span(file, start, length)
    headers = {"Content-Type": content_type, "Content-Length": str(span)}
    return Streamed(headers, file.chunks(start, span))


def multipart(
    file: FetchedMedia,
    *,
    field: str,
    filename: str,
    content_type: str,
    fields: Mapping[str, str] | None = None,
    start: int = 0,
    length: int | None = None,
) -> Streamed:
    """A ``multipart/form-data`` body: the plain ``fields``, then the file (or its range)
    as the part ``field``."""
    boundary = secrets.token_hex(16)
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in (fields or {}).items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
        f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    span = _span(file, start, length)

    async def body() -> AsyncIterator[bytes]:
        yield head
        async for part in file.chunks(start, span):
            yield part
        yield tail

    headers = {
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Content-Length": str(len(head) + span + len(tail)),
    }
    return Streamed(headers, body())
