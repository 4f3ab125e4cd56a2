"""Threads' two-step publishing (docs/reference/platforms.md §7 "Publishing = container →
publish"): create a media container, poll its ``status`` until ``FINISHED`` (bounded), then
``threads_publish`` it. Only that last call makes a post, so only it is sent with
``create=True``; a failure before it published nothing and is safe to retry."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from lowtato.platforms.errors import Rejected, Retryable, UnknownOutcome
from lowtato.platforms.facebook.client import Graph

# §7 step 2 [V]: what a failed video's error_message means, and what to do about it.
PROCESSING_ERRORS = {
    "FAILED_DOWNLOADING_VIDEO": "Threads could not download the video; check that its URL "
    "opens publicly",
    "FAILED_PROCESSING_AUDIO": "Threads could not process the video's audio",
    "FAILED_PROCESSING_VIDEO": "Threads could not process the video",
    "INVALID_ASPEC_RATIO": "the video's aspect ratio must be between 0.01:1 and 10:1",
    "INVALID_BIT_RATE": "the video's bit rate is not accepted",
    "INVALID_DURATION": "the video must be at most 5 minutes long",
    "INVALID_FRAME_RATE": "the video must be 23-60 frames per second",
    "INVALID_AUDIO_CHANNELS": "the video's audio channels are not accepted",
    "INVALID_AUDIO_CHANNEL_LAYOUT": "the video's audio channel layout is not accepted",
}
STILL_PROCESSING_RETRY = 60.0  # seconds before a new container is tried


async def create(graph: Graph, user: str, token: str, body: dict[str, Any]) -> str:
    """``POST /{user}/threads``: a container (not yet a post)."""
    answer = await graph.post(f"{user}/threads", token, body)
    container = answer.get("id")
    if not container:
        raise Retryable("Threads did not return a media container id; nothing was published.")
    return str(container)


async def wait_finished(graph: Graph, token: str, container: str, delays: Sequence[float]) -> None:
    """Poll ``GET /{container}?fields=status,error_message`` until ``FINISHED``: ``ERROR`` is a
    processing failure (Rejected), ``EXPIRED`` or still ``IN_PROGRESS`` after the last delay
    is Retryable (the next attempt makes a new container; nothing was published)."""
    for delay in (0.0, *delays):
        await asyncio.sleep(delay)
        node = await graph.get(container, token, {"fields": "status,error_message"})
        status = str(node.get("status") or "IN_PROGRESS")
        if status in ("FINISHED", "PUBLISHED"):
            return
        if status == "ERROR":
            detail = str(node.get("error_message") or "UNKNOWN")
            said = PROCESSING_ERRORS.get(detail, "Threads could not process the media")
            raise Rejected(
                f"Threads: {said} ({detail}). Fix the file, then publish again.",
                code="processing_failed",
            )
        if status == "EXPIRED":
            raise Retryable("The Threads media container expired before it was published.")
    raise Retryable(
        f"Threads is still processing the media (container {container}); nothing was published "
        "yet, trying again later.",
        after=STILL_PROCESSING_RETRY,
    )


async def publish(graph: Graph, user: str, token: str, container: str) -> str:
    """``POST /{user}/threads_publish {creation_id}``: the post exists from here on."""
    answer = await graph.post(
        f"{user}/threads_publish", token, {"creation_id": container}, create=True
    )
    media_id = answer.get("id")
    if not media_id:
        raise UnknownOutcome("Threads accepted the post but its answer had no id; it may exist.")
    return str(media_id)


async def make_post(
    graph: Graph, user: str, token: str, body: dict[str, Any], delays: Sequence[float]
) -> str:
    """One container made, awaited and published: the published media id."""
    container = await create(graph, user, token, body)
    await wait_finished(graph, token, container, delays)
    return await publish(graph, user, token, container)
