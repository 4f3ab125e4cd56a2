"""A video's FILE_UPLOAD to TikTok: the chunk arithmetic and the sequential ``PUT``s.

The rules (docs/reference/platforms.md §5 "Chunk rules"): each chunk is 5-64 MB except the
last, which takes the remainder and may reach 128 MB; a file under 5 MB is one chunk of its
own size; a file over 64 MB must be chunked; ``total_chunk_count = floor(video_size /
chunk_size)``; 1-1000 chunks; chunks go up in order with ``Content-Range: bytes
{first}-{last}/{total}``. Intermediate chunks answer 206, the final one 201 (or 200).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lowtato.platforms import upload_body
from lowtato.platforms.base import FetchedMedia
from lowtato.platforms.errors import Rejected
from lowtato.platforms.tiktok.client import TikTok

MB = 1024 * 1024
MIN_CHUNK = 5 * MB
MAX_CHUNK = 64 * MB
MAX_FINAL_CHUNK = 128 * MB
MAX_CHUNKS = 1000
DEFAULT_CHUNK = 10 * MB
"""The chunk size asked for: TikTok's own example; a 4 GB video is then about 400 chunks."""


@dataclass(frozen=True, slots=True)
class ChunkPlan:
    video_size: int
    chunk_size: int
    total_chunk_count: int

    def ranges(self) -> list[tuple[int, int]]:
        """``(start, length)`` of each chunk; the last one takes the remainder."""
        out = []
        for index in range(self.total_chunk_count):
            start = index * self.chunk_size
            last = index == self.total_chunk_count - 1
            out.append((start, self.video_size - start if last else self.chunk_size))
        return out

    def source_info(self) -> dict[str, object]:
        return {
            "source": "FILE_UPLOAD",
            "video_size": self.video_size,
            "chunk_size": self.chunk_size,
            "total_chunk_count": self.total_chunk_count,
        }


def plan_chunks(size: int, preferred: int = DEFAULT_CHUNK) -> ChunkPlan:
    """The chunking TikTok accepts for a file of ``size`` bytes (see the module doc)."""
    if size <= 0:
        raise Rejected("The video file is empty.", code="invalid_media")
    if size < MIN_CHUNK:
        return ChunkPlan(size, size, 1)
    chunk = min(MAX_CHUNK, max(MIN_CHUNK, preferred, math.ceil(size / MAX_CHUNKS)))
    if size <= chunk:  # at most 64 MB: one chunk of the file's size
        return ChunkPlan(size, size, 1)
    count = size // chunk  # the remainder (< chunk) rides on the last chunk: < 128 MB
    if count > MAX_CHUNKS:
        raise Rejected("The video is too large for TikTok's upload.", code="media_too_large")
    return ChunkPlan(size, chunk, count)


async def upload_video(client: TikTok, url: str, file: FetchedMedia, plan: ChunkPlan) -> None:
    """``PUT`` every chunk in order. Only the final chunk can leave an unknown outcome (it is
    what makes the post); a failure before it is Retryable, and the next attempt starts over
    with a new init (the abandoned upload never becomes a post)."""
    ranges = plan.ranges()
    for index, (start, length) in enumerate(ranges):
        final = index == len(ranges) - 1
        body = upload_body.raw(file, file.mime_type, start=start, length=length)
        body.headers["Content-Range"] = f"bytes {start}-{start + length - 1}/{plan.video_size}"
        await client.put_chunk(
            url, body, action=f"uploading video chunk {index + 1}/{len(ranges)}", final=final
        )
