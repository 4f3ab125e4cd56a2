"""Media type from the bytes themselves (magic numbers), never from a name or a header.

A declared type (a part's Content-Type, a JSON ``mime_type``, a file name's extension) is only
ever compared with what the bytes say: a mismatch is refused, never believed.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Literal

IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
VIDEO_TYPES = ("video/mp4", "video/webm", "video/quicktime")
# What uploads accept (contract: JPEG PNG GIF WebP MP4 WebM).
SUPPORTED = IMAGE_TYPES + VIDEO_TYPES[:2]
SUPPORTED_NAMES = "JPEG, PNG, GIF, WebP, MP4 or WebM"
SNIFF_BYTES = 64  # enough of the head of a file to decide

Kind = Literal["image", "video"]

EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "video/mp4": ".mp4",
    "video/webm": ".webm",
    "video/quicktime": ".mov",
}
# What a file name's extension announces; only used to refuse a name that contradicts the bytes.
_BY_EXTENSION = {
    **{ext: mime for mime, ext in EXTENSIONS.items()},
    ".jpeg": "image/jpeg",
    ".jpe": "image/jpeg",
    ".m4v": "video/mp4",
    ".html": "text/html",
    ".htm": "text/html",
    ".svg": "image/svg+xml",
    ".txt": "text/plain",
    ".pdf": "application/pdf",
    ".bmp": "image/bmp",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".heic": "image/heic",
    ".avif": "image/avif",
    ".mkv": "video/x-matroska",
    ".avi": "video/x-msvideo",
}
# Spellings clients send for the same type.
_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "video/x-m4v": "video/mp4"}
# Declarations that say nothing about the type.
_GENERIC = {"", "application/octet-stream", "binary/octet-stream", "application/unknown"}


_PREFIXES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
# Major brands of ISO-BMFF files that are MP4 (iso4, isom, mp41, mp42, avc1, M4V, dash, MSNV).
_MP4_BRANDS = (b"iso", b"mp4", b"avc", b"M4V", b"das", b"MSN")


def sniff(head: bytes) -> str | None:
    """The MIME type the first bytes of a file announce, or None if unrecognised."""
    found = next((mime for magic, mime in _PREFIXES if head.startswith(magic)), None)
    if found is None and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        found = "image/webp"
    elif head.startswith(b"\x1a\x45\xdf\xa3"):  # EBML: Matroska or WebM; its DocType says
        found = "video/webm" if b"webm" in head[:SNIFF_BYTES] else None
    elif head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand == b"qt  ":
            found = "video/quicktime"
        elif brand[:3] in _MP4_BRANDS:
            found = "video/mp4"
    return found


def kind_of(mime_type: str) -> Kind | None:
    if mime_type.startswith("image/"):
        return "image"
    if mime_type.startswith("video/"):
        return "video"
    return None


def normalize(declared: str | None) -> str | None:
    """A declared Content-Type reduced to its type (parameters dropped, aliases resolved), or
    None when it names no particular type (absent, ``application/octet-stream``)."""
    value = (declared or "").split(";", 1)[0].strip().lower()
    if value in _GENERIC:
        return None
    return _ALIASES.get(value, value)


def type_of_name(filename: str | None) -> str | None:
    """The type a file name's extension announces, when it is one we know."""
    if not filename:
        return None
    return _BY_EXTENSION.get(PurePosixPath(filename).suffix.lower())


def describe(mime_type: str | None) -> str:
    """A short human name for a type, for error messages."""
    names = {
        "image/jpeg": "a JPEG image",
        "image/png": "a PNG image",
        "image/gif": "a GIF image",
        "image/webp": "a WebP image",
        "video/mp4": "an MP4 video",
        "video/webm": "a WebM video",
        "video/quicktime": "a QuickTime (MOV) video",
    }
    if mime_type is None:
        return "not a recognised media file"
    return names.get(mime_type, mime_type)
