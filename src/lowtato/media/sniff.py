"""Media type from the bytes themselves (magic numbers), never from a name or a header."""

from __future__ import annotations

IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
VIDEO_TYPES = ("video/mp4", "video/webm", "video/quicktime")
SUPPORTED = IMAGE_TYPES + VIDEO_TYPES[:2]  # what uploads accept (contract: JPEG PNG GIF WebP MP4 WebM)
SNIFF_BYTES = 64  # enough of the head of a file to decide


def sniff(head: bytes) -> str | None:
    """The MIME type the first bytes of a file announce, or None if unrecognised."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"\x1a\x45\xdf\xa3"):  # EBML: Matroska/WebM
        return "video/webm" if b"webm" in head[:64] else None
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand == b"qt  ":
            return "video/quicktime"
        if brand[:3] in (b"iso", b"mp4", b"avc", b"M4V", b"dash") or brand in (b"mp41", b"mp42", b"MSNV"):
            return "video/mp4"
    return None


def kind_of(mime_type: str) -> str | None:
    if mime_type.startswith("image/"):
        return "image"
    if mime_type.startswith("video/"):
        return "video"
    return None
