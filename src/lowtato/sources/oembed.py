"""TikTok and X/Twitter posts through their public oEmbed endpoints (no API key needed):
the post's text and its author."""

from __future__ import annotations

from typing import Any

from lowtato.sources.documents import Extracted, embed_text, short_title
from lowtato.sources.failures import ExtractionFailed
from lowtato.sources.fetch import MB, FetchPolicy, fetch

NOT_FOUND = "the post was not found or is not public; check the URL, and that the account is public"


async def _oembed(endpoint: str, url: str, policy: FetchPolicy, what: str) -> dict[str, Any]:
    response = await fetch(
        endpoint, what=what, policy=policy, max_bytes=MB, params={"url": url}, missing=NOT_FOUND
    )
    try:
        data = response.json()
    except ValueError as exc:
        raise ExtractionFailed(f"{what} is not JSON; try again later") from exc
    if not isinstance(data, dict):
        raise ExtractionFailed(f"{what} is not a JSON object; try again later")
    return data


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


async def tiktok(endpoint: str, url: str, policy: FetchPolicy) -> Extracted:
    data = await _oembed(endpoint, url, policy, "TikTok's oEmbed answer")
    caption = _text(data.get("title"))
    author = _text(data.get("author_name")) or _text(data.get("author_unique_id"))
    if not caption:
        raise ExtractionFailed("the TikTok video has no caption text to extract")
    title = f"TikTok by {author}: {short_title(caption)}" if author else short_title(caption)
    return Extracted(title=title, content=caption)


async def twitter(endpoint: str, url: str, policy: FetchPolicy) -> Extracted:
    data = await _oembed(endpoint, url, policy, "X's oEmbed answer")
    text = embed_text(_text(data.get("html")))
    author = _text(data.get("author_name"))
    if not text:
        raise ExtractionFailed("the post has no text to extract (it may be media only)")
    return Extracted(title=f"Post by {author}" if author else short_title(text), content=text)
