"""The platform catalog agents read before posting (`GET /api/v1/platforms`).

Built from `CAPABILITIES` and the options models only, so what agents are told is exactly what
`validate_content` enforces. The result is plain JSON data (str, int, float, bool, None, list,
dict) in `PLATFORMS` order.
"""

from typing import Any

from lowtato.platforms.capabilities import (
    CAPABILITIES,
    Capabilities,
    MediaRules,
    PostType,
    RateLimit,
    TextField,
    TextRule,
)
from lowtato.platforms.names import PLATFORMS, Platform
from lowtato.platforms.text import TextCounting

COUNTING_METHODS: dict[str, str] = {
    TextCounting.TWITTER_WEIGHTED: (
        "X weighted length (twitter-text v3): text is NFC-normalised; every link counts 23, "
        "including a bare domain ending in a known TLD (example.com, lowtato.io, file.py); "
        "an emoji (with skin tone or ZWJ sequence) counts 2; code points in U+0000-U+10FF, "
        "U+2000-U+200D, U+2010-U+201F and U+2032-U+2037 count 1; all others (CJK ...) count 2. "
        "U+FFFE, U+FEFF and U+FFFF are refused anywhere in the text."
    ),
    TextCounting.GRAPHEMES: (
        "Extended grapheme clusters under current Unicode rules (UAX #29): what a reader sees "
        "as one character (a family emoji is 1; a Devanagari conjunct such as "
        "\u0915\u094d\u0937 is 1)."
    ),
    TextCounting.CHARACTERS: "Unicode code points.",
    TextCounting.CHARACTERS_EMOJI_BYTES: (
        "Unicode code points, except that each emoji counts as its UTF-8 byte length "
        "(an emoji such as U+1F600 counts 4)."
    ),
    TextCounting.UTF8_BYTES: "Bytes of the UTF-8 encoding.",
}
"""What each `counting` value in the catalog means."""


def public_capabilities() -> list[dict[str, Any]]:
    """Describe every platform for agents: limits, counting, media rules, post types, options.

    Each entry has `platform`, `display_name`, `text`, `media`, `post_types`, `text_options`,
    `options_schema` (the options model's JSON Schema), `required_options`,
    `subaccount_required`, `options_excluding_media`, `first_comment`, `connect` (how an
    account connects: `oauth_code` or `app_password`), `public_url`, `rate_limits`, `notes`
    and `reference` (the section of the platform facts the numbers come from).
    """
    return [_describe(CAPABILITIES[Platform(platform)]) for platform in PLATFORMS]


def _describe(caps: Capabilities) -> dict[str, Any]:
    return {
        "platform": caps.platform.value,
        "display_name": caps.display_name,
        "text": {**_text_rule(caps.text), "required": caps.text_required},
        "media": _media(caps),
        "post_types": [_post_type(post_type) for post_type in caps.post_types],
        "text_options": [_text_field(text_field) for text_field in caps.text_fields],
        "options_schema": caps.options_model.model_json_schema(),
        "required_options": list(caps.required_options),
        "content_options": list(caps.content_options),
        "options_excluding_media": list(caps.media_exclusive_options),
        "subaccount_required": bool(caps.target_required),
        "per_media_options": list(caps.per_media_options),
        "first_comment": caps.first_comment,
        "connect": caps.connect,
        "public_url": caps.public_url,
        "rate_limits": [_rate_limit(rate_limit) for rate_limit in caps.rate_limits],
        "notes": list(caps.notes),
        "reference": f"docs/reference/platforms.md {caps.section}",
    }


def _text_rule(rule: TextRule) -> dict[str, Any]:
    return {
        "max_length": rule.max_length,
        "counting": rule.counting.value,
        "counting_description": COUNTING_METHODS[rule.counting],
        "max_bytes": rule.max_bytes,
        "forbidden_characters": list(rule.forbidden_characters),
        "max_hashtags": rule.max_hashtags,
        "max_mentions": rule.max_mentions,
        "max_cashtags": rule.max_cashtags,
        "note": rule.note or None,
    }


def _text_field(text_field: TextField) -> dict[str, Any]:
    measured = {
        "value": "the value",
        "each": "each item on its own",
        "joined": "all items joined by commas, an item containing a space wrapped in quotes",
    }[text_field.list_mode]
    return {
        "field": f"options.{text_field.option}",
        "measured": measured,
        **_text_rule(text_field.rule),
    }


def _media(caps: Capabilities) -> dict[str, Any]:
    media: MediaRules = caps.media
    return {
        "min_media": caps.min_media,
        "max_images": caps.max_images,
        "max_videos": caps.max_videos,
        "mixed_images_and_videos": caps.allow_mixed,
        "image_mime_types": list(media.image_mime_types),
        "video_mime_types": list(media.video_mime_types),
        "max_image_bytes": media.max_image_bytes,
        "max_video_bytes": media.max_video_bytes,
        "video_min_seconds": media.video_min_seconds,
        "video_max_seconds": media.video_max_seconds,
        "gif_counts_as_video": media.gif_as_video,
        "max_gif_bytes": media.max_gif_bytes,
    }


def _post_type(post_type: PostType) -> dict[str, Any]:
    return {
        "name": post_type.name,
        "summary": post_type.summary,
        "min_media": post_type.min_media,
        "max_media": post_type.capacity,
        "max_images": post_type.max_images,
        "max_videos": post_type.max_videos,
        "mixed_images_and_videos": post_type.allow_mixed,
        "text_allowed": post_type.text_allowed,
        "text": _text_rule(post_type.text) if post_type.text is not None else None,
        "max_image_bytes": post_type.max_image_bytes,
        "max_video_bytes": post_type.max_video_bytes,
        "video_min_seconds": post_type.video_min_seconds,
        "video_max_seconds": post_type.video_max_seconds,
        "options_not_allowed": list(post_type.disallowed_options),
        "not_published": post_type.refused or None,
    }


def _rate_limit(rate_limit: RateLimit) -> dict[str, Any]:
    return {
        "action": rate_limit.action,
        "limit": rate_limit.limit,
        "window_seconds": rate_limit.window_seconds,
        "per": rate_limit.per,
        "note": rate_limit.note or None,
    }
