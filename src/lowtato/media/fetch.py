"""Fetching a post's media from its URL for platforms that need the bytes uploaded.

Every URL goes through the guarded client (SSRF checks at connect time, redirects re-checked,
size and time caps). Files already stored by this server are read from storage directly."""

from __future__ import annotations

from lowtato.kit.guarded_http import OutboundError, guarded_client
from lowtato.media.sniff import sniff
from lowtato.platforms.base import FetchedMedia, Media
from lowtato.platforms.errors import Rejected


class GuardedMediaFetcher:
    def __init__(self, *, allow_private: bool, max_bytes: int, timeout: float = 120.0) -> None:
        self.allow_private = allow_private
        self.max_bytes = max_bytes
        self.timeout = timeout

    async def __call__(self, media: Media) -> FetchedMedia:
        try:
            async with guarded_client(
                allow_private=self.allow_private,
                timeout=self.timeout,
                max_response_bytes=self.max_bytes,
            ) as client:
                response = await client.get(media.url)
        except OutboundError as exc:
            raise Rejected(f"could not fetch media {media.url}: {exc.reason}", code="media_unavailable") from exc
        if response.status_code != 200:
            raise Rejected(
                f"could not fetch media {media.url}: HTTP {response.status_code}", code="media_unavailable"
            )
        data = response.content
        mime = sniff(data[:64])
        if mime is None:
            raise Rejected(
                f"media {media.url} is not a JPEG, PNG, GIF, WebP, MP4, MOV or WebM file",
                code="media_unsupported",
            )
        return FetchedMedia(data=data, mime_type=mime)
