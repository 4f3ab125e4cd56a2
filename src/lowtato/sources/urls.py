"""What URL each source type accepts, judged when the source is created (a bad one is a 400
naming `url`, not a failed source later)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from lowtato.errors import ValidationFailed
from lowtato.kit.guarded_http import UnsafeURLError, check_url
from lowtato.sources.models import SourceType

_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_YOUTUBE_HOSTS = frozenset(
    {"youtube.com", "m.youtube.com", "music.youtube.com", "youtube-nocookie.com"}
)
# Path prefixes followed by the video id: /shorts/<id>, /embed/<id>, ...
_ID_PATHS = ("shorts", "embed", "live", "v", "e")
_TIKTOK_HOSTS = frozenset({"tiktok.com", "m.tiktok.com", "vm.tiktok.com", "vt.tiktok.com"})
_TWITTER_HOSTS = frozenset({"twitter.com", "x.com", "mobile.twitter.com", "mobile.x.com"})

NEEDS_URL = frozenset(
    {SourceType.article, SourceType.youtube, SourceType.tiktok, SourceType.twitter, SourceType.pdf}
)
NEEDS_TEXT = frozenset({SourceType.text, SourceType.perplexity_query})


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def youtube_video_id(url: str) -> str | None:
    """The 11-character video id of any YouTube video URL form (watch?v=, youtu.be/,
    shorts/, embed/, live/, with extra parameters), or None."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    segments = [s for s in parts.path.split("/") if s]
    candidate: str | None = None
    if host == "youtu.be" and segments:
        candidate = segments[0]
    elif host in _YOUTUBE_HOSTS:
        if segments[:1] == ["watch"]:
            candidate = next(iter(parse_qs(parts.query).get("v", [])), None)
        elif len(segments) >= 2 and segments[0] in _ID_PATHS:
            candidate = segments[1]
    if candidate is not None and _VIDEO_ID.fullmatch(candidate):
        return candidate
    return None


def checked_url(source_type: SourceType, url: str | None, *, allow_private: bool) -> str | None:
    """The URL to store for this type (None when the type takes none), or a 400."""
    if url is None or not url.strip():
        if source_type in NEEDS_URL:
            raise ValidationFailed.field("url", f"required for sourceType '{source_type}'")
        return None
    url = url.strip()
    try:
        checked = str(check_url(url, allow_private=allow_private))
    except UnsafeURLError as exc:
        raise ValidationFailed.field("url", exc.reason) from exc
    if source_type is SourceType.youtube and youtube_video_id(checked) is None:
        raise ValidationFailed.field(
            "url",
            "not a YouTube video URL; use a form such as https://www.youtube.com/watch?v=<id>, "
            "https://youtu.be/<id> or https://www.youtube.com/shorts/<id>",
        )
    if source_type is SourceType.tiktok and _host(checked) not in _TIKTOK_HOSTS:
        raise ValidationFailed.field(
            "url", "not a TikTok URL; use https://www.tiktok.com/@<user>/video/<id>"
        )
    if source_type is SourceType.twitter and _host(checked) not in _TWITTER_HOSTS:
        raise ValidationFailed.field(
            "url", "not an X/Twitter post URL; use https://x.com/<user>/status/<id>"
        )
    if source_type in {SourceType.text, SourceType.perplexity_query}:
        raise ValidationFailed.field(
            "url", f"sourceType '{source_type}' takes `text`, not `url`; remove `url`"
        )
    return checked


def checked_text(source_type: SourceType, text: str | None, url: str | None) -> str | None:
    """The input text to store, or a 400 when the type needs it."""
    text = text.strip() if text is not None else None
    if not text:
        if source_type in NEEDS_TEXT:
            raise ValidationFailed.field("text", f"required for sourceType '{source_type}'")
        if source_type is SourceType.audio and url is None:
            raise ValidationFailed.field(
                "url",
                "sourceType 'audio' needs `url` (an audio file to transcribe) or `text` (its "
                "transcript)",
            )
        return None
    return text
