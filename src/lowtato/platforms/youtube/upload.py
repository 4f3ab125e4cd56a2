"""The resumable upload of ``videos.insert`` (docs/reference/platforms.md §9 "Resumable upload").

1. ``POST /upload/youtube/v3/videos?uploadType=resumable`` with the video resource → the
   session URI in ``Location``. Nothing exists yet, so any failure here is safe to retry.
2. ``PUT`` the bytes in chunks (multiples of 256 KiB except the last) with ``Content-Range``;
   ``308`` + ``Range: bytes=0-N`` means "send from N+1", ``200``/``201`` carries the video.
3. After an interruption (a timeout, a dropped connection, a 5xx) the session is probed with
   ``Content-Range: bytes */total`` and no body: ``308`` says where to resume, ``200``/``201``
   says the upload already finished (never upload it again). The video is created only when the
   last byte arrives, so an interruption before the last chunk was sent can never leave one.
   When the last chunk was sent and no probe answers, the outcome is unknown (reconcile).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from lowtato.platforms.base import FetchedMedia
from lowtato.platforms.errors import PlatformError, Retryable, UnknownOutcome
from lowtato.platforms.upload_body import raw
from lowtato.platforms.youtube.client import YouTubeClient, json_object, raise_for_status

CHUNK_UNIT = 256 * 1024


@dataclass(frozen=True, slots=True)
class UploadRules:
    chunk_bytes: int = 32 * CHUNK_UNIT  # 8 MiB, as Postiz uses (§9 [P])
    max_interruptions: int = 5


async def start_session(
    client: YouTubeClient, body: dict[str, Any], file: FetchedMedia, *, notify: bool
) -> str:
    action = "starting the video upload"
    request = client.ctx.http.build_request(
        "POST", f"{client.ctx.base_url}/upload/youtube/v3/videos",
        params={"uploadType": "resumable", "part": ",".join(body),
                "notifySubscribers": "true" if notify else "false"},
        json=body,
        headers={**client.auth(), "X-Upload-Content-Length": str(file.size),
                 "X-Upload-Content-Type": file.mime_type},
    )  # fmt: skip
    response = await client.send(request, action=action)
    raise_for_status(response, action=action)
    location = str(response.headers.get("location") or "")
    if not location:
        raise Retryable("YouTube started the upload without giving its session URI")
    return location


def _next_offset(response: httpx.Response) -> int:
    """Where to resume after a 308: one past the ``Range`` end (no Range: nothing arrived)."""
    received = response.headers.get("range", "")
    _, _, end = received.rpartition("-")
    return int(end) + 1 if end.isdigit() else 0


async def upload(
    client: YouTubeClient, session: str, file: FetchedMedia, rules: UploadRules
) -> dict[str, Any]:
    """Send the bytes, resuming after interruptions; the finished video resource."""
    total = file.size
    offset = 0
    interruptions = 0
    last_sent = False  # the final byte went out at least once: the video may exist
    while True:
        length = min(rules.chunk_bytes, total - offset)
        last_sent = last_sent or offset + length >= total
        body = raw(file, file.mime_type, start=offset, length=length)
        headers = {**body.headers, **client.auth(),
                   "Content-Range": f"bytes {offset}-{offset + length - 1}/{total}"}  # fmt: skip
        request = client.ctx.http.build_request("PUT", session, headers=headers,
                                                content=body.content)  # fmt: skip
        try:
            response = await client.send(request, action="uploading the video")
            if response.status_code >= 500 or response.status_code == 408:
                raise Retryable(f"YouTube answered HTTP {response.status_code} to a chunk")
        except Retryable as exc:
            interruptions += 1
            response = await _probe(client, session, total, interruptions, rules, last_sent, exc)
        if response.status_code in (200, 201):
            return json_object(response, "finishing the video upload")
        if response.status_code == 308:
            offset = _next_offset(response)
            continue
        raise_for_status(response, action="uploading the video")
        raise Retryable(f"YouTube answered HTTP {response.status_code} to a chunk")


async def _probe(  # noqa: PLR0917 - the upload loop's state, passed along once
    client: YouTubeClient, session: str, total: int, interruptions: int, rules: UploadRules,
    last_sent: bool, cause: PlatformError,
) -> httpx.Response:  # fmt: skip
    """Ask the session what arrived (``Content-Range: bytes */total``), a bounded number of
    times. 404/410: the session expired; before the last byte nothing was created."""
    while interruptions <= rules.max_interruptions:
        request = client.ctx.http.build_request(
            "PUT", session, headers={**client.auth(), "Content-Range": f"bytes */{total}",
                                     "Content-Length": "0"},
        )  # fmt: skip
        try:
            response = await client.send(request, action="asking how much of the video arrived")
        except Retryable:
            interruptions += 1
            continue
        if response.status_code in (200, 201, 308):
            return response
        if response.status_code in (404, 410) and not last_sent:
            raise Retryable("YouTube's upload session expired before the video was complete")
        if response.status_code < 500 and response.status_code not in (404, 410):
            raise_for_status(response, action="asking how much of the video arrived")
        interruptions += 1
    if last_sent:
        raise UnknownOutcome(
            f"The whole video was sent but YouTube's answer was lost ({cause.reason}); "
            "the video may exist"
        )
    raise Retryable(f"The video upload was interrupted too often: {cause.reason}")
