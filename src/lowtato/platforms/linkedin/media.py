"""Uploading a post's images and video to LinkedIn, and waiting until they can be posted.

Images (docs/reference/platforms.md §4 "Media upload"): ``POST
/rest/images?action=initializeUpload`` with the
author as ``owner`` → ``value.uploadUrl`` + ``value.image`` (``urn:li:image:…``); one ``PUT`` of
the whole file; then ``GET /rest/images/{urn}`` until ``status`` is ``AVAILABLE``.

Video: ``POST /rest/videos?action=initializeUpload`` with ``fileSizeBytes`` →
``uploadInstructions[]`` (``uploadUrl``, ``firstByte``, ``lastByte``, inclusive) and
``uploadToken``; one ``PUT`` per byte range, keeping each answer's ``ETag`` in order;
``POST /rest/videos?action=finalizeUpload`` with those ETags as ``uploadedPartIds``; then
``GET /rest/videos/{urn}`` until ``AVAILABLE`` (``PROCESSING_FAILED`` is final).

Nothing is posted yet at this stage, so every failure here is Retryable or Rejected, never an
unknown outcome. Waiting is bounded: a video still processing at the deadline is Retryable
(the next attempt uploads again; nothing was published).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass

from lowtato.platforms import upload_body
from lowtato.platforms.base import FetchedMedia
from lowtato.platforms.errors import Rejected, Retryable
from lowtato.platforms.linkedin.client import LinkedInClient, urn_segment

READY = "AVAILABLE"
FAILED = "PROCESSING_FAILED"


@dataclass(frozen=True, slots=True)
class Polling:
    """How long to wait for LinkedIn's media processing (real seconds, not the app clock:
    these are sleeps inside one publish attempt)."""

    delays: tuple[float, ...] = (0.2, 0.5, 1.0, 2.0, 3.0, 5.0)
    """Pause before each further status read; the last one repeats."""
    image_deadline: float = 60.0
    video_deadline: float = 300.0
    """Within the publish job's 10-minute timeout, leaving room for the upload itself."""
    image_grace: float = 5.0
    """Wait used instead of polling when the token may not read image status: Postiz reports
    that member tokens get 403 there (docs/reference/platforms.md §4 [P]), while organization
    tokens can."""
    retry_after: float = 60.0
    """When processing outlasts the deadline, retry the publish after this many seconds."""


@dataclass(frozen=True, slots=True)
class Uploaded:
    urn: str
    alt_text: str | None = None


async def upload_image(
    client: LinkedInClient, owner: str, media: FetchedMedia, alt_text: str | None
) -> Uploaded:
    """Register and upload one image; returns its URN (still processing)."""
    body = await client.api_json(
        "POST", "/rest/images", params="action=initializeUpload",
        json={"initializeUploadRequest": {"owner": owner}},
        action="registering an image upload",
    )  # fmt: skip
    value = body.get("value") or {}
    upload_url, urn = value.get("uploadUrl"), value.get("image")
    if not isinstance(upload_url, str) or not isinstance(urn, str):
        raise Retryable("LinkedIn's image upload registration had no uploadUrl or image URN")
    await client.upload(
        upload_url, upload_body.raw(media, media.mime_type), with_token=True,
        action="uploading an image",
    )  # fmt: skip
    return Uploaded(urn, alt_text)


async def upload_video(client: LinkedInClient, owner: str, media: FetchedMedia) -> Uploaded:
    """Register, upload (in LinkedIn's byte ranges) and finalize one video."""
    size = media.size
    body = await client.api_json(
        "POST", "/rest/videos", params="action=initializeUpload",
        json={"initializeUploadRequest": {
            "owner": owner, "fileSizeBytes": size,
            "uploadCaptions": False, "uploadThumbnail": False,
        }},
        action="registering a video upload",
    )  # fmt: skip
    value = body.get("value") or {}
    urn = value.get("video")
    instructions = value.get("uploadInstructions")
    if not isinstance(urn, str) or not isinstance(instructions, list) or not instructions:
        raise Retryable("LinkedIn's video upload registration had no video URN or instructions")
    etags: list[str] = []
    for number, part in enumerate(instructions, start=1):
        try:
            url, first, last = str(part["uploadUrl"]), int(part["firstByte"]), int(part["lastByte"])
        except (KeyError, TypeError, ValueError) as exc:
            raise Retryable(f"LinkedIn sent an unreadable upload instruction: {part!r}") from exc
        if not 0 <= first <= last < size:
            raise Retryable(f"LinkedIn asked for bytes {first}-{last} of a {size}-byte video")
        part_body = upload_body.raw(
            media, "application/octet-stream", start=first, length=last + 1 - first
        )
        response = await client.upload(
            url, part_body, with_token=False,
            action=f"uploading part {number} of {len(instructions)} of the video",
        )  # fmt: skip
        etag = response.headers.get("etag")
        if not etag:
            raise Retryable(f"LinkedIn returned no ETag for part {number} of the video")
        etags.append(etag)
    await client.api(
        "POST", "/rest/videos", params="action=finalizeUpload",
        json={"finalizeUploadRequest": {
            "video": urn, "uploadToken": str(value.get("uploadToken") or ""),
            "uploadedPartIds": etags,
        }},
        action="finalizing the video upload",
    )  # fmt: skip
    return Uploaded(urn)


async def _status(client: LinkedInClient, kind: str, urn: str) -> tuple[str, str]:
    body = await client.api_json(
        "GET", f"/rest/{kind}s/{urn_segment(urn)}", action=f"checking the {kind}'s processing"
    )
    return str(body.get("status") or ""), str(body.get("processingFailureReason") or "")


async def wait_until_available(
    client: LinkedInClient, kind: str, urns: Sequence[str], polling: Polling
) -> None:
    """Poll ``/rest/{kind}s/{urn}`` for every URN until all are AVAILABLE, within the kind's
    deadline. PROCESSING_FAILED → Rejected(invalid_media); deadline → Retryable."""
    deadline = time.monotonic() + (
        polling.video_deadline if kind == "video" else polling.image_deadline
    )
    pending = list(urns)
    step = 0
    while True:
        still: list[str] = []
        for urn in pending:
            try:
                status, reason = await _status(client, kind, urn)
            except Rejected as exc:
                if kind == "image" and exc.code == "permission_missing":
                    # Member tokens may not read image status: wait the grace period instead.
                    await asyncio.sleep(polling.image_grace)
                    return
                raise
            if status == FAILED:
                raise Rejected(
                    f"LinkedIn could not process the {kind}"
                    + (f": {reason}" if reason else "")
                    + ". Check the file (format, size, duration) and publish again.",
                    code="invalid_media",
                )
            if status != READY:
                still.append(urn)
        if not still:
            return
        pending = still
        delay = polling.delays[min(step, len(polling.delays) - 1)]
        step += 1
        if time.monotonic() + delay > deadline:
            raise Retryable(
                f"LinkedIn is still processing the {kind} after "
                f"{int(polling.video_deadline if kind == 'video' else polling.image_deadline)} s; "
                "the post will be retried (nothing was published).",
                after=polling.retry_after,
            )
        await asyncio.sleep(delay)
