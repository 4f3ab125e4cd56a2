"""Size limits (docs/reference/reliability.md T20): limit + 1 byte is 413 in both forms, before the whole body
is read, with the process's peak memory growing by less than two chunks of the body."""

from __future__ import annotations

import base64
import tracemalloc
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from tests.api import error
from tests.conftest import AppFactory, Owner, client_for
from tests.media.files import UPLOAD, mp4, noisy_png, upload_json, upload_multipart

from lowtato.media.upload import SLICE

LIMIT = 20 * 1024 * 1024
CHUNK = 1024 * 1024  # what the client sends per write
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class Body:
    """A request body sent chunk by chunk, counting how much the server pulled. Chunks are
    allocated up front (and reused), so tracing sees the server's memory, not the client's."""

    def __init__(self, parts: list[bytes]) -> None:
        self.parts = parts
        self.total = sum(len(p) for p in parts)
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for part in self.parts:
            self.pulled += len(part)
            yield part


def _file_parts(size: int) -> list[bytes]:
    """``size`` bytes of a "PNG": its signature, then zeros, in CHUNK pieces (one shared)."""
    zeros = bytes(CHUNK)
    head = PNG_SIGNATURE + bytes(CHUNK - len(PNG_SIGNATURE))
    full, rest = divmod(size - CHUNK, CHUNK)
    return [head, *([zeros] * full), bytes(rest)]


def multipart_body(size: int) -> tuple[Body, str]:
    boundary = "lowtato-limit-test"
    head = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=file; filename=big.png\r\n"
        "Content-Type: image/png\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return Body([head, *_file_parts(size), tail]), f"multipart/form-data; boundary={boundary}"


def base64_body(size: int) -> tuple[Body, str]:
    decoded_chunk = CHUNK // 4 * 3  # base64 of this many bytes is exactly CHUNK long
    head = base64.b64encode(PNG_SIGNATURE + bytes(decoded_chunk - len(PNG_SIGNATURE)))
    zeros = b"A" * CHUNK  # base64 of decoded_chunk zero bytes
    full, rest = divmod(size - decoded_chunk, decoded_chunk)
    parts = [b'{"mime_type": "image/png", "data": "', head, *([zeros] * full)]
    return Body([*parts, base64.b64encode(bytes(rest)), b'"}']), "application/json"


@pytest.fixture
async def limited(app: FastAPI, app_factory: AppFactory) -> FastAPI:
    return await app_factory(media_max_image_bytes=LIMIT, media_max_video_bytes=LIMIT)


async def _traced_peak(client: httpx.AsyncClient, owner: Owner, body: Body, ctype: str) -> int:
    """Peak growth of traced memory (bytes) while the app handles one request."""
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    response = await client.post(
        UPLOAD, headers={**owner.headers, "content-type": ctype}, content=body
    )
    peak = tracemalloc.get_traced_memory()[1]
    assert response.status_code in (413, 415), response.text
    return peak - before


async def _peak_growth(
    client: httpx.AsyncClient, owner: Owner, body: Body, ctype: str
) -> tuple[int, int]:
    """(peak growth of the oversized request, of a tiny upload in the same form)."""
    # The same form, 1 MiB (a fake PNG: refused as undecodable once fully read).
    tiny, _ = (multipart_body if ctype.startswith("multipart") else base64_body)(CHUNK + 16)
    tracemalloc.start()
    try:
        # Warm-up: first-request caches, imports, SQL compilation are not the upload's cost.
        await _traced_peak(client, owner, Body(list(tiny.parts)), ctype)
        small = await _traced_peak(client, owner, tiny, ctype)
        big = await _traced_peak(client, owner, body, ctype)
    finally:
        tracemalloc.stop()
    return big, small


@pytest.mark.parametrize("form", ["multipart", "base64"])
async def test_limit_plus_one_streamed_is_413_in_bounded_memory(
    limited: FastAPI, owner: Owner, form: str
) -> None:
    body, ctype = (multipart_body if form == "multipart" else base64_body)(LIMIT + 1)
    async with client_for(limited) as client:
        growth, small = await _peak_growth(client, owner, body, ctype)
    print(
        f"\n{form}: limit+1 bytes streamed → 413; peak traced memory growth "
        f"{growth / 1024:.0f} KiB (a 1 MiB upload of the same form: {small / 1024:.0f} KiB)"
    )
    # The whole body buffered would be > 20 MiB; a streaming reader holds about one chunk.
    assert growth < 2 * CHUNK, f"{form}: peak grew by {growth} bytes"
    # And it does not grow with the body: 20 MiB cost what 1 MiB costs (measured: the same to
    # the KiB), within a margin for allocator noise far below what buffering would add.
    assert growth - small < 4 * SLICE, f"{form}: 20 MiB cost {growth - small} bytes more"


@pytest.mark.parametrize("form", ["multipart", "base64"])
async def test_oversized_body_is_not_read_to_the_end(
    limited: FastAPI, owner: Owner, form: str
) -> None:
    body, ctype = (multipart_body if form == "multipart" else base64_body)(3 * LIMIT)
    async with client_for(limited) as client:
        # No Content-Length: the reader stops once the decoded file passes the limit.
        response = await client.post(
            UPLOAD, headers={**owner.headers, "content-type": ctype}, content=body
        )
        assert response.status_code == 413
        assert body.pulled < LIMIT * 1.4 + 2 * CHUNK < body.total
        # A Content-Length beyond what any valid request could need: refused before reading.
        again, _ = (multipart_body if form == "multipart" else base64_body)(2 * LIMIT)
        response = await client.post(
            UPLOAD,
            headers={**owner.headers, "content-type": ctype, "content-length": str(again.total)},
            content=again,
        )
        assert response.status_code == 413
        assert again.pulled == 0


async def test_images_and_videos_have_their_own_limits(
    app: FastAPI, app_factory: AppFactory, owner: Owner
) -> None:
    small = await app_factory(media_max_image_bytes=100_000, media_max_video_bytes=400_000)
    png = noisy_png(200, 200)  # 120 kB
    video = mp4() + _free_box(200_000)  # a valid MP4 padded with a 'free' box
    assert len(png) > 100_000 and 100_000 < len(video) < 400_000
    async with client_for(small) as client:
        refused = await upload_multipart(client, owner, "big.png", png, "image/png")
        assert refused.status_code == 413
        assert "images" in error(refused)["message"]
        assert error(refused)["details"] == {"limit": 100_000, "kind": "images"}
        accepted = await upload_json(client, owner, video, "video/mp4")
        assert accepted.status_code == 201, accepted.text
        assert accepted.json()["size"] == len(video)


def _free_box(size: int) -> bytes:
    return size.to_bytes(4, "big") + b"free" + bytes(size - 8)
