"""Uploading a post's media to X with the v2 media endpoints (docs/reference/platforms.md §2 "Media
upload").

Images go through the one-shot `POST /2/media/upload` (multipart). Videos and GIFs use the
chunked flow — `initialize`, `append` per segment, `finalize` — and, when finalize reports
`processing_info`, `GET /2/media/upload?command=STATUS` is polled, waiting `check_after_secs`
between polls, until `succeeded` or `failed`. The wait is bounded (`PollPolicy`): a video still
processing past it is Retryable, since nothing was posted yet and uploads are safe to repeat.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from lowtato.platforms import upload_body
from lowtato.platforms.base import FetchedMedia, Media, MediaFetcher
from lowtato.platforms.capabilities import MediaRules
from lowtato.platforms.errorbody import scrub
from lowtato.platforms.errors import Rejected, Retryable
from lowtato.platforms.twitter.client import JSON, XClient

Sleep = Callable[[float], Awaitable[None]]

# Segments of the chunked upload. X's documented per-APPEND ceiling is 5 MB; 4 MiB keeps a
# margin while needing few requests (Postiz uses 1 MiB).
CHUNK_BYTES = 4 * 1024 * 1024
ALT_TEXT_MAX = 1000  # CreateMediaMetadataMetadataAltText.text maxLength in the X OpenAPI


@dataclass(frozen=True, slots=True)
class PollPolicy:
    """Bounds of the wait for X to process a video or GIF."""

    max_wait_seconds: float = 600.0
    max_polls: int = 120
    max_delay_seconds: float = 60.0  # a larger check_after_secs is capped to keep polling
    default_delay_seconds: float = 1.0  # when X names no check_after_secs


@dataclass(frozen=True, slots=True)
class Upload:
    media: Media
    file: FetchedMedia

    @property
    def category(self) -> str:
        mime = self.file.mime_type
        if mime == "image/gif":
            return "tweet_gif"
        return "tweet_video" if mime.startswith("video/") else "tweet_image"

    @property
    def chunked(self) -> bool:
        # Animated GIFs need the chunked flow like video (they are transcoded by X).
        return self.category != "tweet_image"


async def fetch_all(
    fetch: MediaFetcher | None, media: Sequence[Media], rules: MediaRules
) -> list[Upload]:
    """Download every file first, so a bad combination fails before anything is uploaded."""
    if not media:
        return []
    if fetch is None:
        raise Rejected(
            "this Lowtato process cannot download media for X (no media fetcher configured)",
            code="media_unavailable",
        )
    uploads = [Upload(m, await fetch(m)) for m in media]
    allowed = (*rules.image_mime_types, *rules.video_mime_types)
    for upload in uploads:
        if upload.file.mime_type not in allowed:
            raise Rejected(
                f"X does not accept {upload.file.mime_type} media ({upload.media.url}); use "
                "JPEG, PNG, GIF or WebP images, or an MP4, MOV or WebM video",
                code="media_unsupported",
            )
    if len(uploads) > 1 and any(u.chunked for u in uploads):
        raise Rejected(
            "X posts carry up to 4 images, or 1 GIF, or 1 video — not a mix; split the media "
            "over several posts",
            code="invalid_media",
        )
    return uploads


async def upload_all(
    client: XClient, uploads: Sequence[Upload], *, sleep: Sleep, policy: PollPolicy
) -> list[str]:
    """Upload each file and return X's media ids, in order, all ready to attach."""
    ids: list[str] = []
    for upload in uploads:
        if upload.chunked:
            data = await _chunked(client, upload)
        else:
            data = await _simple(client, upload)
        media_id = str(data["id"])
        await _wait_until_processed(client, media_id, data, sleep=sleep, policy=policy)
        if upload.media.alt_text:
            await client.call(
                "POST",
                "/2/media/metadata",
                what="set the media's alt text",
                json={
                    "id": media_id,
                    "metadata": {"alt_text": {"text": upload.media.alt_text[:ALT_TEXT_MAX]}},
                },
            )
        ids.append(media_id)
    return ids


def _data(body: JSON, what: str) -> JSON:
    data = body.get("data")
    if not isinstance(data, dict) or "id" not in data:
        raise Retryable(f"X answered {what} without a media id; trying again later")
    return data


async def _simple(client: XClient, upload: Upload) -> JSON:
    body = await client.call(
        "POST",
        "/2/media/upload",
        what="upload an image",
        body=upload_body.multipart(
            upload.file,
            field="media",
            filename="media",
            content_type=upload.file.mime_type,
            fields={"media_category": upload.category},
        ),
        invalid_code="invalid_media",
    )
    return _data(body, "the image upload")


async def _chunked(client: XClient, upload: Upload) -> JSON:
    file = upload.file
    kind = "GIF" if upload.category == "tweet_gif" else "video"
    init = await client.call(
        "POST",
        "/2/media/upload/initialize",
        what=f"start the {kind} upload",
        json={
            "media_type": file.mime_type,
            "total_bytes": file.size,
            "media_category": upload.category,
        },
        invalid_code="invalid_media",
    )
    media_id = str(_data(init, "the upload initialize")["id"])
    # Each segment is read from the file as it is sent: one piece in memory, not the file.
    for index, offset in enumerate(range(0, file.size, CHUNK_BYTES)):
        await client.call(
            "POST",
            f"/2/media/upload/{media_id}/append",
            what=f"upload part {index + 1} of the {kind}",
            body=upload_body.multipart(
                file,
                field="media",
                filename="chunk",
                content_type="application/octet-stream",
                fields={"segment_index": str(index)},
                start=offset,
                length=CHUNK_BYTES,
            ),
            invalid_code="invalid_media",
        )
    final = await client.call(
        "POST",
        f"/2/media/upload/{media_id}/finalize",
        what=f"finish the {kind} upload",
        invalid_code="invalid_media",
    )
    return _data(final, "the upload finalize")


def _failure_message(body: JSON, info: JSON) -> str:
    error = info.get("error")
    if isinstance(error, dict) and error.get("message"):
        return scrub(error["message"])
    for problem in body.get("errors") or []:
        if isinstance(problem, dict) and (problem.get("detail") or problem.get("message")):
            return scrub(problem.get("detail") or problem.get("message"))
    return "no reason given"


async def _wait_until_processed(
    client: XClient, media_id: str, data: JSON, *, sleep: Sleep, policy: PollPolicy
) -> None:
    body: JSON = {"data": data}
    waited = 0.0
    polls = 0
    while True:
        info = data.get("processing_info")
        if not isinstance(info, dict):
            return  # no processing_info: ready right away (§2)
        state = info.get("state")
        if state == "succeeded":
            return
        if state == "failed":
            raise Rejected(
                f"X could not process the media ({_failure_message(body, info)}); check its "
                "format, duration and size against X's limits",
                code="invalid_media",
            )
        if polls >= policy.max_polls or waited >= policy.max_wait_seconds:
            raise Retryable(
                f"X was still processing the media after {int(waited)} s; the upload will be "
                "tried again later"
            )
        raw = info.get("check_after_secs")
        delay = float(raw) if isinstance(raw, int | float) else policy.default_delay_seconds
        delay = min(max(delay, 0.0), policy.max_delay_seconds)
        await sleep(delay)
        waited += delay
        polls += 1
        body = await client.call(
            "GET",
            "/2/media/upload",
            what="check the media's processing status",
            params={"command": "STATUS", "media_id": media_id},
        )
        data = _data(body, "the status check")


default_sleep: Sleep = asyncio.sleep
