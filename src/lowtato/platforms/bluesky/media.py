"""Media of a Bluesky post: which files may go together, and the pixel size of an image (the
``aspectRatio`` of ``app.bsky.embed.images``, so clients lay the post out before loading it).

Image sizes are read from the file headers by hand (PNG ``IHDR``, the JPEG ``SOFn`` segment,
the GIF screen descriptor) because Pillow is not a dependency of this build; the headers are
a few bytes at fixed places, which is all ``aspectRatio`` needs. JPEG EXIF orientation is not
applied: a sideways-stored photo gets its stored ratio, which only affects the placeholder
shape before the image loads.
"""

from __future__ import annotations

from dataclasses import dataclass

from lowtato.platforms.base import FetchedMedia
from lowtato.platforms.capabilities import MediaRules
from lowtato.platforms.errors import Rejected

MAX_IMAGES = 4  # app.bsky.embed.images: maxLength 4 (docs/reference/platforms.md §8)

# JPEG start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) are not frames.
_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Markers without a length field: TEM and RST0-RST7.
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})


# Bluesky images are under 1 MB, and the header bytes ``image_size`` reads come first.
HEADER_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class MediaFile:
    file: FetchedMedia
    alt: str

    @property
    def mime_type(self) -> str:
        return self.file.mime_type

    @property
    def size(self) -> int:
        return self.file.size


def _png_size(data: bytes) -> tuple[int, int] | None:
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR" or len(data) < 24:
        return None
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _gif_size(data: bytes) -> tuple[int, int] | None:
    if data[:6] not in (b"GIF87a", b"GIF89a") or len(data) < 10:
        return None
    return int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    if data[:2] != b"\xff\xd8":
        return None
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None  # lost sync: not a JPEG we can read
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in _STANDALONE:
            i += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image / start of scan before any frame header
            return None
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if marker in _SOF_MARKERS:
            if i + 9 > len(data):
                return None
            height = int.from_bytes(data[i + 5 : i + 7], "big")
            width = int.from_bytes(data[i + 7 : i + 9], "big")
            return width, height
        i += 2 + length
    return None


def image_size(data: bytes, mime_type: str) -> tuple[int, int] | None:
    """``(width, height)`` in pixels from the file header, or None when unknown or zero."""
    readers = {"image/png": _png_size, "image/jpeg": _jpeg_size, "image/gif": _gif_size}
    reader = readers.get(mime_type)
    size = reader(data) if reader else None
    if size is None or size[0] <= 0 or size[1] <= 0:
        return None
    return size


def check(files: list[MediaFile], rules: MediaRules) -> None:
    """Refuse a media set Bluesky would refuse: up to 4 images or 1 MP4 video, never both,
    each within the size limit. Content was validated at create time from what the URLs
    announced; these are the bytes actually fetched."""
    images = [f for f in files if f.mime_type.startswith("image/")]
    videos = [f for f in files if f.mime_type.startswith("video/")]
    if len(images) + len(videos) != len(files):
        other = next(f.mime_type for f in files if f not in images and f not in videos)
        msg = f"Bluesky posts take images or one video, not {other}"
        raise Rejected(msg, code="media_unsupported")
    if videos and (images or len(videos) > 1):
        msg = "A Bluesky post takes up to 4 images or 1 video, not both or several videos"
        raise Rejected(msg, code="invalid_content")
    if len(images) > MAX_IMAGES:
        msg = f"A Bluesky post takes at most {MAX_IMAGES} images; this one has {len(images)}"
        raise Rejected(msg, code="invalid_content")
    for number, file in enumerate(files, start=1):
        video = file.mime_type.startswith("video/")
        if video and file.mime_type not in rules.video_mime_types:
            msg = f"Bluesky takes MP4 video only; media {number} is {file.mime_type}"
            raise Rejected(msg, code="media_unsupported")
        limit = rules.max_video_bytes if video else rules.max_image_bytes
        if limit is not None and file.size > limit:
            msg = (
                f"media {number} is {file.size:,} bytes; Bluesky takes at most "
                f"{limit:,} bytes per {'video' if video else 'image'}. Use a smaller file."
            )
            raise Rejected(msg, code="media_too_large")
