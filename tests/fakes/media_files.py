"""Small but real media files the fake media host serves (generated, not checked in)."""

from __future__ import annotations

import io
import re
import struct
import zlib
from collections.abc import Iterator


def _png(width: int = 4, height: int = 3) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _jpeg() -> bytes:
    try:
        from PIL import Image  # noqa: PLC0415 - Pillow arrives with the media issue

        out = io.BytesIO()
        Image.new("RGB", (8, 6), (0, 128, 255)).save(out, "JPEG")
        return out.getvalue()
    except ImportError:  # a minimal JFIF header is enough for magic-number checks
        return (
            b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
            + b"\x00" * 64
            + b"\xff\xd9"
        )


def _mp4(size: int = 300_000) -> bytes:
    ftyp = struct.pack(">I", 24) + b"ftypisom" + struct.pack(">I", 512) + b"isomiso2"
    mdat_payload = bytes(range(256)) * (size // 256)
    return ftyp + struct.pack(">I", 8 + len(mdat_payload)) + b"mdat" + mdat_payload


FILES: dict[str, tuple[str, bytes]] = {
    "cat.png": ("image/png", _png()),
    "dog.jpg": ("image/jpeg", _jpeg()),
    "clip.mp4": ("video/mp4", _mp4()),
    "big.mp4": ("video/mp4", _mp4(6 * 1024 * 1024)),
    "page.html": ("text/html", b"<html>not media</html>"),
}


# ``padded-<bytes>.mp4``: an MP4 of that exact size, made on the fly and sent in pieces, so a
# test can publish a big video from a URL without the fake holding it in memory.
PADDED = re.compile(r"^padded-(?P<size>[0-9]{1,10})\.mp4$")
PIECE = 1024 * 1024


def padded_mp4(size: int) -> Iterator[bytes]:
    """``size`` bytes: an ``ftyp`` box, then one ``mdat`` box of zeros, in PIECE-sized parts."""
    ftyp = struct.pack(">I", 24) + b"ftypisom" + struct.pack(">I", 512) + b"isomiso2"
    head = ftyp + struct.pack(">I", size - len(ftyp)) + b"mdat"
    yield head
    zeros = bytes(PIECE)
    left = size - len(head)
    while left > 0:
        yield zeros[: min(PIECE, left)]
        left -= PIECE
