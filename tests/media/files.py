"""Real, small media files built in the tests: images by Pillow, an MP4 with ftyp/moov (mvhd
duration, a video trak with tkhd dimensions), a WebM with EBML header, Info and Tracks."""

from __future__ import annotations

import base64
import io
import struct
import zlib
from typing import Any

import httpx
from PIL import Image
from tests.conftest import Owner

UPLOAD = "/api/v1/media/upload"


def image(fmt: str, size: tuple[int, int] = (8, 6), **save: Any) -> bytes:
    out = io.BytesIO()
    mode = "P" if fmt == "GIF" else "RGB"
    Image.new(mode, size, 3 if mode == "P" else (0, 128, 255)).save(out, fmt, **save)
    return out.getvalue()


def noisy_png(width: int, height: int) -> bytes:
    """A PNG that does not compress (random-looking pixels), for size limits."""
    pixels = bytes((i * 2654435761 >> 7) & 0xFF for i in range(width * height * 3))
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), pixels).save(out, "PNG", compress_level=0)
    return out.getvalue()


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _full_box(kind: bytes, payload: bytes) -> bytes:
    return _box(kind, b"\x00\x00\x00\x00" + payload)  # version 0, no flags


def mp4(seconds: float = 2.5, width: int = 320, height: int = 240) -> bytes:
    scale = 1000
    duration = int(seconds * scale)
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2avc1mp41")
    # creation, modification, timescale, duration; rate, volume, matrix… left zero.
    mvhd = _full_box(b"mvhd", struct.pack(">IIII", 0, 0, scale, duration) + bytes(80))
    tkhd = _full_box(
        b"tkhd",
        struct.pack(">IIIII", 0, 0, 1, 0, duration)
        + bytes(52)
        + struct.pack(">II", width << 16, height << 16),
    )
    hdlr = _full_box(b"hdlr", bytes(4) + b"vide" + bytes(12) + b"VideoHandler\x00")
    trak = _box(b"trak", tkhd + _box(b"mdia", hdlr))
    moov = _box(b"moov", mvhd + trak)
    return ftyp + _box(b"mdat", bytes(256)) + moov  # moov last, as many encoders write it


def _vint(n: int) -> bytes:
    return bytes([0x80 | n]) if n < 0x7F else b"\x01" + n.to_bytes(7, "big")


def _el(ident: int, payload: bytes) -> bytes:
    return ident.to_bytes((ident.bit_length() + 7) // 8, "big") + _vint(len(payload)) + payload


def webm(seconds: float = 1.5, width: int = 160, height: int = 90) -> bytes:
    header = _el(
        0x1A45DFA3,
        _el(0x4286, b"\x01") + _el(0x4282, b"webm") + _el(0x4287, b"\x04") + _el(0x4285, b"\x02"),
    )
    info = _el(
        0x1549A966,
        _el(0x2AD7B1, (1_000_000).to_bytes(3, "big"))
        + _el(0x4489, struct.pack(">d", seconds * 1000)),
    )
    video = _el(0xE0, _el(0xB0, width.to_bytes(2, "big")) + _el(0xBA, height.to_bytes(2, "big")))
    entry = _el(0xAE, _el(0xD7, b"\x01") + _el(0x83, b"\x01") + _el(0x86, b"V_VP8") + video)
    cluster = _el(0x1F43B675, _el(0xE7, b"\x00") + _el(0xA3, bytes(32)))
    return header + _el(0x18538067, info + _el(0x1654AE6B, entry) + cluster)


def bomb_png(width: int = 20_000, height: int = 20_000) -> bytes:
    """A tiny PNG whose header claims a huge image."""
    png = image("PNG")
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return png[:8] + struct.pack(">I", 13) + b"IHDR" + ihdr + crc + png[33:]


FILES: dict[str, tuple[str, bytes]] = {
    "photo.jpg": ("image/jpeg", image("JPEG", (16, 12))),
    "pic.png": ("image/png", image("PNG", (8, 6))),
    "anim.gif": ("image/gif", image("GIF", (10, 10))),
    "pic.webp": ("image/webp", image("WEBP", (12, 8))),
    "clip.mp4": ("video/mp4", mp4()),
    "clip.webm": ("video/webm", webm()),
}


async def upload_multipart(
    client: httpx.AsyncClient,
    owner: Owner,
    name: str,
    data: bytes,
    mime: str | None = None,
    **headers: str,
) -> httpx.Response:
    files = {"file": (name, data, mime) if mime else (name, data)}
    return await client.post(UPLOAD, headers={**owner.headers, **headers}, files=files)


async def upload_json(
    client: httpx.AsyncClient, owner: Owner, data: bytes, mime: str | None = None, **extra: Any
) -> httpx.Response:
    body: dict[str, Any] = {"data": base64.b64encode(data).decode(), **extra}
    if mime:
        body["mime_type"] = mime
    return await client.post(UPLOAD, headers=owner.headers, json=body)


async def uploaded(
    client: httpx.AsyncClient, owner: Owner, name: str = "pic.png"
) -> dict[str, Any]:
    mime, data = FILES[name]
    response = await upload_multipart(client, owner, name, data, mime)
    assert response.status_code == 201, response.text
    return dict(response.json())
