"""What is inside an uploaded file: does it decode, and its dimensions and duration.

Images are opened with Pillow, restricted to the one format the bytes announced, with its
decompression-bomb guard: more pixels than ``Image.MAX_IMAGE_PIXELS`` is refused before any
pixel is decoded. The image is then fully decoded once (JPEG at 1/8 scale via draft mode,
which still runs the whole entropy decoder) so a truncated or corrupt file is caught here and
not by a platform at publish time.

That decode is bounded by memory, not only by pixels: before it starts, its cost is worked out
from the header as pixels (after the JPEG draft scaling) times the bytes Pillow keeps per pixel in
that mode (1 for bilevel, greyscale and palette images, 2 for 16-bit greyscale, 4 for the rest:
RGB is stored padded to 4), doubled for WebP, whose decoder hands over a full copy of the
pixels that Pillow then copies again. A cost over the budget is refused with ``TooManyPixels``
(an 88-megapixel PNG passes the pixel guard but needs ~350 MB). How many decodes run at once is
bounded separately (``Decoder``), so memory is bounded by budget times concurrency.

Videos: MP4 duration comes from ``moov/mvhd`` and the frame size from the video track's
``tkhd``; WebM duration from ``Segment/Info`` and the frame size from the video
``TrackEntry``. Both are read here from the container structure by seeking from header to
header, never reading media data, so a 500 MB video costs a few dozen small reads. No PyPI
library fits better: pymediainfo needs the native libmediainfo, hachoir is GPL and much larger,
mutagen reads MP4 but not WebM.

Run in a worker thread: everything here blocks.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from lowtato.kit.lazy import lazy_module

if TYPE_CHECKING:
    from PIL import Image
else:
    Image = lazy_module("PIL.Image")

_PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}
_MAX_ELEMENTS = 10_000  # per container level: a file of millions of tiny boxes is refused


class ProbeError(Exception):
    """The file starts like a supported type but its content does not decode."""


class TooManyPixels(ProbeError):
    """An image over the decompression-bomb guard."""


_PIXEL_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16L": 2, "I;16B": 2, "I;16N": 2}
_COPIES = {"WEBP": 2}


@dataclass(frozen=True, slots=True)
class Probed:
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None


def probe(path: Path, mime_type: str, *, max_decode_bytes: int | None = None) -> Probed:
    """What ``path`` holds; an image whose full decode would take more than
    ``max_decode_bytes`` of memory is ``TooManyPixels`` (None: only the pixel guard)."""
    if mime_type in _PIL_FORMATS:
        return _image(path, _PIL_FORMATS[mime_type], max_decode_bytes)
    with path.open("rb") as f:
        size = path.stat().st_size
        if mime_type == "video/mp4":
            return _mp4(f, size)
        if mime_type == "video/webm":
            return _webm(f, size)
    msg = f"no prober for {mime_type}"
    raise ProbeError(msg)


def decode_cost(fmt: str, mode: str, size: tuple[int, int]) -> int:
    """Bytes of memory a full decode of a ``size`` image in ``mode`` takes (see the module
    docstring)."""
    return size[0] * size[1] * _PIXEL_BYTES.get(mode, 4) * _COPIES.get(fmt, 1)


def _image(path: Path, fmt: str, max_decode_bytes: int | None) -> Probed:
    limit = Image.MAX_IMAGE_PIXELS
    try:
        with Image.open(path, formats=[fmt]) as im:
            width, height = im.size
            if limit is not None and width * height > limit:
                raise _too_many(width, height, limit)
            if fmt == "JPEG":
                im.draft("RGB", (max(1, width // 8), max(1, height // 8)))
            cost = decode_cost(fmt, im.mode, im.size)
            if max_decode_bytes is not None and cost > max_decode_bytes:
                raise TooManyPixels(
                    f"decoding the {width}×{height} {im.mode} image takes {cost} bytes of "
                    f"memory, more than the {max_decode_bytes}-byte budget "
                    "(LOWTATO_MEDIA_MAX_DECODE_BYTES)"
                )
            im.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's own guard (it fires while opening for more than twice the limit).
        raise TooManyPixels(f"the image has too many pixels ({exc})") from exc
    except ProbeError:
        raise
    except Exception as exc:  # Pillow raises OSError, SyntaxError, ValueError, EOFError…
        msg = f"the {fmt} image does not decode ({exc})"
        raise ProbeError(msg) from exc
    return Probed(width=width, height=height)


def _too_many(width: int, height: int, limit: int) -> TooManyPixels:
    return TooManyPixels(
        f"the image is {width}×{height} = {width * height / 1e6:.1f} megapixels, more than the "
        f"{limit / 1e6:.1f}-megapixel decompression-bomb guard"
    )


def _read(f: BinaryIO, at: int, n: int) -> bytes:
    f.seek(at)
    data = f.read(n)
    if len(data) < n:
        msg = "the file ends in the middle of a header"
        raise ProbeError(msg)
    return data


def _boxes(f: BinaryIO, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, box end) of each ISO-BMFF box in [start, end)."""
    pos = start
    for _ in range(_MAX_ELEMENTS):
        if pos + 8 > end:
            return
        size, kind = struct.unpack(">I4s", _read(f, pos, 8))
        payload = pos + 8
        if size == 1:  # 64-bit size follows
            (size,) = struct.unpack(">Q", _read(f, payload, 8))
            payload += 8
        elif size == 0:  # to the end of the enclosing container
            size = end - pos
        if size < payload - pos or pos + size > end:
            msg = f"the MP4 box '{kind.decode('latin-1')}' has an impossible size"
            raise ProbeError(msg)
        yield kind, payload, pos + size
        pos += size
    msg = "the MP4 has too many boxes"
    raise ProbeError(msg)


def _child(f: BinaryIO, start: int, end: int, wanted: bytes) -> tuple[int, int] | None:
    for kind, payload, box_end in _boxes(f, start, end):
        if kind == wanted:
            return payload, box_end
    return None


def _mp4(f: BinaryIO, size: int) -> Probed:
    moov = _child(f, 0, size, b"moov")
    if moov is None:
        msg = "the MP4 has no 'moov' box (it is incomplete or not a playable video)"
        raise ProbeError(msg)
    duration: float | None = None
    width = height = None
    for kind, payload, box_end in _boxes(f, *moov):
        if kind == b"mvhd":
            duration = _mvhd_duration(f, payload)
        elif kind == b"trak" and width is None:
            found = _video_track_size(f, payload, box_end)
            if found is not None:
                width, height = found
    return Probed(width=width, height=height, duration_seconds=duration)


def _mvhd_duration(f: BinaryIO, at: int) -> float | None:
    version = _read(f, at, 1)[0]
    if version == 1:
        timescale, duration = struct.unpack(">IQ", _read(f, at + 20, 12))
        unknown = 0xFFFFFFFFFFFFFFFF
    else:
        timescale, duration = struct.unpack(">II", _read(f, at + 12, 8))
        unknown = 0xFFFFFFFF
    if not timescale or not duration or duration == unknown:
        return None  # e.g. fragmented MP4: the duration lives in the fragments
    return round(float(duration) / float(timescale), 3)


def _video_track_size(f: BinaryIO, start: int, end: int) -> tuple[int, int] | None:
    mdia = _child(f, start, end, b"mdia")
    hdlr = _child(f, *mdia, b"hdlr") if mdia else None
    if hdlr is None or _read(f, hdlr[0] + 8, 4) != b"vide":
        return None
    tkhd = _child(f, start, end, b"tkhd")
    if tkhd is None:
        return None
    version = _read(f, tkhd[0], 1)[0]
    # FullBox header (4) + times/ids (20 or 32) + reserved, layer, group, volume, matrix (52).
    at = tkhd[0] + 4 + (32 if version == 1 else 20) + 52
    width, height = struct.unpack(">II", _read(f, at, 8))
    return width >> 16, height >> 16  # 16.16 fixed point


_EBML, _SEGMENT, _CLUSTER = 0x1A45DFA3, 0x18538067, 0x1F43B675
_INFO, _TRACKS = 0x1549A966, 0x1654AE6B
_TIMESCALE, _DURATION, _TRACK_ENTRY, _TRACK_TYPE = 0x2AD7B1, 0x4489, 0xAE, 0x83
_VIDEO, _PIXEL_WIDTH, _PIXEL_HEIGHT = 0xE0, 0xB0, 0xBA


def _vint(f: BinaryIO, at: int, *, keep_marker: bool) -> tuple[int, int, bool]:
    """(value, length, all value bits set) of the EBML variable-size integer at ``at``."""
    first = _read(f, at, 1)[0]
    length = 9 - first.bit_length()
    if not 1 <= length <= 8:
        msg = "the WebM has an invalid element header"
        raise ProbeError(msg)
    raw = int.from_bytes(_read(f, at, length), "big")
    value = raw if keep_marker else raw & ((1 << (7 * length)) - 1)
    return value, length, (raw & ((1 << (7 * length)) - 1)) == (1 << (7 * length)) - 1


def _elements(f: BinaryIO, start: int, end: int) -> Iterator[tuple[int, int, int]]:
    """(id, payload start, element end) of each EBML element in [start, end). An element of
    unknown size (live recordings) extends to ``end``."""
    pos = start
    for _ in range(_MAX_ELEMENTS):
        if pos >= end:
            return
        ident, id_len, _ = _vint(f, pos, keep_marker=True)
        size, size_len, unknown = _vint(f, pos + id_len, keep_marker=False)
        payload = pos + id_len + size_len
        element_end = end if unknown else payload + size
        element_end = min(element_end, end)  # a truncated last element: read what is there
        yield ident, payload, element_end
        pos = element_end
    msg = "the WebM has too many elements"
    raise ProbeError(msg)


def _uint(f: BinaryIO, start: int, end: int) -> int:
    return int.from_bytes(_read(f, start, min(8, end - start)), "big")


def _webm(f: BinaryIO, size: int) -> Probed:
    top = list(_elements(f, 0, size)) if size else []
    segment = next(((p, e) for i, p, e in top if i == _SEGMENT), None)
    if not top or top[0][0] != _EBML or segment is None:
        msg = "the WebM has no EBML header or no Segment"
        raise ProbeError(msg)
    scale, raw_duration = 1_000_000, None
    width = height = None
    for ident, payload, end in _elements(f, *segment):
        if ident == _INFO:
            for child, p, e in _elements(f, payload, end):
                if child == _TIMESCALE:
                    scale = _uint(f, p, e) or scale
                elif child == _DURATION and e - p in (4, 8):
                    fmt = ">f" if e - p == 4 else ">d"
                    (raw_duration,) = struct.unpack(fmt, _read(f, p, e - p))
        elif ident == _TRACKS:
            width, height = _webm_video_size(f, payload, end) or (None, None)
        elif ident == _CLUSTER:
            break  # media data from here on; Info and Tracks come before it
    duration = round(raw_duration * scale / 1e9, 3) if raw_duration else None
    return Probed(width=width, height=height, duration_seconds=duration)


def _webm_video_size(f: BinaryIO, start: int, end: int) -> tuple[int, int] | None:
    for ident, payload, entry_end in _elements(f, start, end):
        if ident != _TRACK_ENTRY:
            continue
        is_video, size = False, None
        for child, p, e in _elements(f, payload, entry_end):
            if child == _TRACK_TYPE:
                is_video = _uint(f, p, e) == 1
            elif child == _VIDEO:
                dims = {c: _uint(f, cp, ce) for c, cp, ce in _elements(f, p, e)}
                if _PIXEL_WIDTH in dims and _PIXEL_HEIGHT in dims:
                    size = dims[_PIXEL_WIDTH], dims[_PIXEL_HEIGHT]
        if is_video and size is not None:
            return size
    return None
