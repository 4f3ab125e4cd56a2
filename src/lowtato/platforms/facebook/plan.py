"""What a Lowtato post becomes on a Facebook Page, decided before anything is sent, and the
small readers of Graph answers the adapter shares."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from lowtato.platforms.base import AdapterContext, Media, PublishRequest
from lowtato.platforms.capabilities import CAPABILITIES
from lowtato.platforms.errors import Rejected, UnknownOutcome
from lowtato.platforms.names import Platform

PUBLIC_HOST = "https://www.facebook.com"


@dataclass(frozen=True, slots=True)
class Plan:
    """The post type (``FacebookOptions.post_type``), the media split by kind, and options."""

    post_type: str  # feed | reel
    images: list[Media] = field(default_factory=list)
    videos: list[Media] = field(default_factory=list)
    link: str | None = None
    first_comment: str | None = None

    @property
    def edge(self) -> str:
        """The Page edge that lists what this plan creates (used to reconcile)."""
        if self.post_type == "reel":
            return "video_reels"
        return "videos" if self.videos else "posts"

    @property
    def text_field(self) -> str:
        """Where Graph keeps our text on that edge's items."""
        return "message" if self.edge == "posts" else "description"


def _kind_of(mime_type: str | None) -> str | None:
    family = (mime_type or "").partition("/")[0]
    return family if family in ("image", "video") else None


async def media_kind(ctx: AdapterContext, media: Media) -> str:
    """image or video: from the request, else the URL's extension, else the bytes."""
    if media.kind in ("image", "video"):
        return media.kind
    guessed = mimetypes.guess_type(urlsplit(media.url).path, strict=False)[0]
    kind = _kind_of(media.mime_type) or _kind_of(guessed)
    if kind is None and ctx.fetch is not None:
        kind = _kind_of((await ctx.fetch(media)).mime_type)
    if kind is None:
        raise Rejected(
            f"Cannot tell whether {media.url} is a photo or a video; use a URL ending in .jpg, "
            ".png or .mp4.",
            code="invalid_media",
        )
    return kind


async def make_plan(ctx: AdapterContext, req: PublishRequest) -> Plan:
    """The plan for ``req``; Rejected for what a Page post cannot hold. Post types Lowtato
    does not publish (stories, see ``capabilities``) are refused as ``unsupported``."""
    options = req.options
    post_type = str(options.get("post_type") or "feed")
    known = CAPABILITIES[Platform.FACEBOOK].post_type(post_type)
    if known is not None and known.refused:
        raise Rejected(known.refused, code="unsupported")
    link, comment = options.get("link"), options.get("first_comment")
    plan = Plan(
        post_type, link=str(link) if link else None, first_comment=str(comment) if comment else None
    )
    for media in req.media:
        (plan.videos if await media_kind(ctx, media) == "video" else plan.images).append(media)
    if post_type == "reel" and (len(plan.videos) != 1 or plan.images):
        raise Rejected("A Facebook reel is exactly one video.", code="invalid_content")
    if plan.videos and (len(plan.videos) > 1 or plan.images):
        raise Rejected(
            "A Facebook Page post holds photos or one video, not both.", code="invalid_content"
        )
    if plan.link and req.media:
        raise Rejected(
            "A Facebook Page post shows either a link preview or media, not both: put the link "
            "in the text, or drop the media.",
            code="invalid_content",
        )
    if not (req.text or req.media or plan.link):
        raise Rejected("A Facebook post needs text, a link or media.", code="invalid_content")
    return plan


def public_url(permalink: Any, fallback: str) -> str:
    """Graph's permalink (videos give a path like ``/page/videos/1/``), else ``fallback``."""
    if isinstance(permalink, str) and permalink.startswith("https://"):
        return permalink
    if isinstance(permalink, str) and permalink.startswith("/"):
        return PUBLIC_HOST + permalink
    return fallback


def created_id(body: dict[str, Any], *keys: str) -> str:
    """The new object's id from a create call's answer; without one the post may still exist."""
    for key in keys:
        if body.get(key):
            return str(body[key])
    raise UnknownOutcome("Facebook accepted the post but its answer had no id; it may exist.")


def created_at(item: dict[str, Any]) -> datetime | None:
    """``created_time`` as Graph writes it (``2026-11-29T14:40:05+0000``)."""
    raw = item.get("created_time")
    if not isinstance(raw, str):
        return None
    try:
        return datetime.strptime(raw, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return None


def summary_count(node: dict[str, Any], name: str) -> int | None:
    """``{name: {summary: {total_count}}}`` (reactions, comments) or ``{name: {count}}``
    (shares, which Graph leaves out entirely while there are none)."""
    value = node.get(name)
    if not isinstance(value, dict):
        return None
    summary = value.get("summary")
    total = summary.get("total_count") if isinstance(summary, dict) else value.get("count")
    return total if isinstance(total, int) else None
