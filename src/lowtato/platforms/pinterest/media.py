"""A pin's ``media_source`` (docs/reference/platforms.md §10 "Create pin", "Video upload").

Images go by URL (``image_url`` / ``multiple_image_urls``) when Pinterest can reach them (a
public host), else as bytes (``image_base64`` / ``multiple_image_base64``: our own files behind
a private or loopback address). Videos are always uploaded: ``POST /media`` registers the
upload, the file goes to the returned ``upload_url`` as multipart form (every
``upload_parameters`` field first, ``file`` last, no Pinterest token), and ``GET
/media/{id}`` is polled until ``succeeded``. Nothing is published at this stage, so failures
here are Retryable or Rejected, never an unknown outcome.
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from lowtato.platforms import upload_body
from lowtato.platforms.base import AdapterContext, FetchedMedia, Media
from lowtato.platforms.errors import Rejected, Retryable
from lowtato.platforms.pinterest.client import PinterestClient, raise_for_status, send

# Pinterest's base64 sources take only these (ContentType in its OpenAPI document).
BASE64_TYPES = ("image/jpeg", "image/png")


def reachable(url: str) -> bool:
    """Whether Pinterest's servers can fetch ``url``: http(s) on a public host name or
    address (never loopback, private or link-local, never a bare single-label name)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host or "." not in host:
        return False
    if host.endswith((".local", ".localhost", ".internal")):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True
    return address.is_global


async def _image_bytes(ctx: AdapterContext, media: Media) -> dict[str, str]:
    if ctx.fetch is None:
        raise Rejected(
            f"Pinterest cannot reach {media.url} and this server cannot upload it; "
            "use a public image URL.",
            code="media_unavailable",
        )
    fetched = await ctx.fetch(media)
    if fetched.mime_type not in BASE64_TYPES:
        raise Rejected(
            f"Pinterest takes uploaded images as JPEG or PNG only (got {fetched.mime_type}); "
            "convert the image or give a public URL.",
            code="media_unsupported",
        )
    data = b"".join([part async for part in fetched.chunks()])
    return {"content_type": fetched.mime_type, "data": base64.b64encode(data).decode()}


async def image_source(ctx: AdapterContext, media: Sequence[Media]) -> dict[str, Any]:
    by_url = all(reachable(m.url) for m in media)
    if len(media) == 1:
        if by_url:
            return {"source_type": "image_url", "url": media[0].url}
        return {"source_type": "image_base64", **await _image_bytes(ctx, media[0])}
    if by_url:
        return {"source_type": "multiple_image_urls", "items": [{"url": m.url} for m in media]}
    items = [await _image_bytes(ctx, m) for m in media]
    return {"source_type": "multiple_image_base64", "items": items}


async def upload_video(client: PinterestClient, file: FetchedMedia) -> str:
    """Register and upload one video; returns its ``media_id`` (still processing)."""
    action = "registering the video upload"
    response = await client.call("POST", "/media", json={"media_type": "video"}, action=action)
    body = response.json() if response.content else {}
    media_id, url = body.get("media_id"), body.get("upload_url")
    fields = body.get("upload_parameters") or {}
    if not isinstance(media_id, str) or not isinstance(url, str) or not isinstance(fields, dict):
        raise Retryable("Pinterest's video registration had no media_id or upload_url")
    streamed = upload_body.multipart(
        file, field="file", filename="video", content_type=file.mime_type,
        fields={str(k): str(v) for k, v in fields.items()},
    )  # fmt: skip
    # The upload URL is pre-signed storage: no Pinterest token goes to it.
    request = client.ctx.http.build_request(
        "POST", url, headers=streamed.headers, content=streamed.content
    )
    raise_for_status(
        await send(client.ctx, request, action="uploading the video"), action="uploading the video"
    )
    return media_id


async def wait_for_video(
    client: PinterestClient, media_id: str, delays: Sequence[float], retry_after: float
) -> None:
    """Poll ``GET /media/{id}`` (one read per delay, bounded) until ``succeeded``."""
    for delay in (0.0, *delays):
        await asyncio.sleep(delay)
        body = await client.get(f"/media/{media_id}", action="checking the video's processing")
        status = body.get("status")
        if status == "succeeded":
            return
        if status == "failed":
            raise Rejected(
                "Pinterest could not process the video. Check the file (MP4/MOV/M4V, "
                "4 s to 15 min, at most 2 GB) and publish again.",
                code="invalid_media",
            )
    raise Retryable(
        "Pinterest is still processing the video; the post will be retried "
        "(nothing was published).",
        after=retry_after,
    )
