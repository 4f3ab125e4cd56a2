"""Check a post's content against one platform's capabilities.

`validate_content` never stops at the first problem: an agent gets every fix it must make in one
answer. Each `Problem` names the request field it is about (`content.text`,
`content.mediaUrls[2]`, `options.board_id`, `options.thread[1]`) and says what to change.
Everything platform-specific comes from `CAPABILITIES`; nothing here branches on a platform name.
"""

import json
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from lowtato.platforms.capabilities import CAPABILITIES, Capabilities, PostType, TextRule
from lowtato.platforms.names import PLATFORMS, Platform
from lowtato.platforms.options import PATTERN_HINTS, PlatformOptions
from lowtato.platforms.text import (
    TextCounting,
    count_cashtags,
    count_hashtags,
    count_mentions,
    text_length,
    utf8_length,
)

MediaKind = Literal["image", "video"]
_N = TypeVar("_N", int, float)

_MB = 1024 * 1024
_GB = 1024 * _MB
_MEDIA_FIELD = "content.mediaUrls"
_TEXT_FIELD = "content.text"
# File extension -> MIME type, for media whose kind and type were not given.
# fmt: off
_EXTENSION_MIME_TYPES = {
    "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif",
    "webp": "image/webp", "bmp": "image/bmp", "tif": "image/tiff", "tiff": "image/tiff",
    "heic": "image/heic", "heif": "image/heif", "avif": "image/avif",
    "mp4": "video/mp4", "m4v": "video/x-m4v", "mov": "video/quicktime", "webm": "video/webm",
    "avi": "video/x-msvideo", "mkv": "video/x-matroska",
}
# fmt: on
# Pydantic error types turned into advice; other types keep pydantic's own message.
_OPTION_MESSAGES = {
    "literal_error": "{path} must be {expected}; got {shown}",
    "string_pattern_mismatch": "{path} {pattern_hint}; got {shown}",
    "too_long": "{path} has {actual_length} items; {platform} allows at most {max_length}",
    "bool_type": "{path} must be true or false; got {shown}",
    "bool_parsing": "{path} must be true or false; got {shown}",
    "string_type": "{path} must be a string; got {json_type}",
    "list_type": "{path} must be a list; got {json_type}",
    "model_type": "options must be an object; got {json_type}",
}
_JSON_TYPES: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (bool, "a boolean"),
    ((int, float), "a number"),
    (str, "a string"),
    ((list, tuple), "a list"),
    (dict, "an object"),
)
_UNITS = {
    TextCounting.TWITTER_WEIGHTED: "weighted characters",
    TextCounting.GRAPHEMES: "graphemes",
    TextCounting.CHARACTERS: "characters",
    TextCounting.CHARACTERS_EMOJI_BYTES: "characters",
    TextCounting.UTF8_BYTES: "UTF-8 bytes",
}


@dataclass(frozen=True, slots=True)
class MediaRef:
    """A media item attached to a post, with whatever is known about it.

    `kind=None` means unknown: it is inferred from `mime_type`, else from the URL's file
    extension; when neither tells, type-dependent checks are skipped for this item. `size` is in
    bytes.
    """

    url: str
    kind: MediaKind | None
    mime_type: str | None = None
    size: int | None = None
    duration_seconds: float | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing to fix: the request field it is about and what to do."""

    field: str
    message: str


@dataclass(frozen=True, slots=True)
class ValidationResult:
    """Every problem found, the parsed options (`None` when invalid), and the post type used."""

    problems: list[Problem]
    options: PlatformOptions | None
    post_type: str

    @property
    def ok(self) -> bool:
        """True when there is nothing to fix."""
        return not self.problems


@dataclass(frozen=True, slots=True)
class _Medium:
    index: int
    ref: MediaRef
    kind: MediaKind | None
    mime_type: str | None
    slot: MediaKind | None
    """What the item counts as; an X GIF is an image that takes the video slot."""


@dataclass(frozen=True, slots=True)
class _Counts:
    images: int
    videos: int
    total: int

    @property
    def mixed(self) -> bool:
        return self.images > 0 and self.videos > 0


def validate_content(
    platform: str,
    text: str,
    media: Sequence[MediaRef],
    options: Mapping[str, Any] | None,
) -> ValidationResult:
    """Validate a post for `platform` and return every problem found.

    Checks the text (length as the platform counts it, byte caps, forbidden characters,
    hashtag/mention/cashtag caps), media counts for the post type (named in `options.post_type`
    or picked from the media), each media item's type, size and duration, the options model and
    the limits of text options. Raises `ValueError` for an unknown platform.
    """
    try:
        caps = CAPABILITIES[Platform(platform)]
    except ValueError:
        known = ", ".join(PLATFORMS)
        raise ValueError(f"unknown platform {platform!r}; expected one of {known}") from None
    raw: dict[str, Any] = dict(options) if isinstance(options, Mapping) else {}
    items = [_resolve_medium(caps, index, ref) for index, ref in enumerate(media)]
    counts = _Counts(
        images=sum(item.slot == "image" for item in items),
        videos=sum(item.slot == "video" for item in items),
        total=len(items),
    )
    post_type = _pick_post_type(caps, raw, counts)
    problems: list[Problem] = []
    _check_not_empty(caps, text, counts, raw, problems)
    _check_text(caps, post_type, text, problems)
    _check_counts(caps, post_type, counts, problems)
    for item in items:
        _check_medium(caps, post_type, item, problems)
    parsed = _parse_options(caps, {} if options is None else options, problems)
    _check_text_fields(caps, raw, problems)
    _check_option_scope(caps, post_type, counts, raw, problems)
    _check_publishable(caps, post_type, counts, raw, problems)
    return ValidationResult(problems=problems, options=parsed, post_type=post_type.name)


def _parse_options(
    caps: Capabilities, options: object, problems: list[Problem]
) -> PlatformOptions | None:
    try:
        return caps.options_model.model_validate(options)
    except ValidationError as error:
        problems.extend(_option_problem(caps, detail) for detail in error.errors(include_url=False))
        return None


def _option_problem(caps: Capabilities, detail: ErrorDetails) -> Problem:
    loc = detail["loc"]
    path = "options" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)
    kind = detail["type"]
    value = detail.get("input")
    name = caps.platform.value
    fields = caps.options_model.model_fields
    top = fields.get(str(loc[0])) if loc else None
    # A required option sent as null is as missing as an absent one, and deserves the same advice.
    if kind == "missing" or (
        top is not None and top.is_required() and len(loc) == 1 and value is None
    ):
        hint = ((top.description or "") if top is not None else "").rstrip(".")
        hint = f" ({hint[:1].lower()}{hint[1:]})" if hint else ""
        return Problem(path, f"{name} needs {path}{hint}")
    if kind == "extra_forbidden":
        allowed = ", ".join(sorted(fields))
        return Problem(path, f"{path} is not an option for {name}; allowed options: {allowed}")
    template = _OPTION_MESSAGES.get(kind)
    if template is None:
        return Problem(path, f"{path}: {detail['msg']}")
    ctx = detail.get("ctx", {})
    values = {
        **ctx,
        "path": path,
        "platform": name,
        "shown": _show(value),
        "json_type": _json_type(value),
        "pattern_hint": PATTERN_HINTS.get(str(ctx.get("pattern")), "has the wrong format"),
    }
    return Problem(path, template.format_map(values))


def _resolve_medium(caps: Capabilities, index: int, ref: MediaRef) -> _Medium:
    mime_type = _normalise_mime(ref.mime_type) if ref.mime_type else _mime_from_url(ref.url)
    kind = ref.kind
    if kind is None and mime_type is not None:
        family = mime_type.partition("/")[0]
        kind = "image" if family == "image" else "video" if family == "video" else None
    slot = kind
    if kind == "image" and mime_type == "image/gif" and caps.media.gif_as_video:
        slot = "video"
    return _Medium(index=index, ref=ref, kind=kind, mime_type=mime_type, slot=slot)


def _normalise_mime(mime_type: str) -> str:
    return mime_type.partition(";")[0].strip().lower()


def _mime_from_url(url: str) -> str | None:
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    return _EXTENSION_MIME_TYPES.get(PurePosixPath(path).suffix.lower().lstrip("."))


def _fits(post_type: PostType, counts: _Counts) -> bool:
    capacity = post_type.capacity
    return (
        counts.total >= post_type.min_media
        and (capacity is None or counts.total <= capacity)
        and (post_type.max_images is None or counts.images <= post_type.max_images)
        and counts.videos <= post_type.max_videos
        and (post_type.allow_mixed or not counts.mixed)
    )


def _takes_kinds(post_type: PostType, counts: _Counts) -> bool:
    return (
        (counts.images == 0 or post_type.max_images != 0)
        and (counts.videos == 0 or post_type.max_videos > 0)
        and (post_type.allow_mixed or not counts.mixed)
    )


def _pick_post_type(caps: Capabilities, raw: Mapping[str, Any], counts: _Counts) -> PostType:
    """The post type named in the options, else the first that fits the media.

    When none fits, the roomiest one that takes these kinds of media is used, so the messages
    speak about the post type the author most likely meant.
    """
    if "post_type" in caps.options_model.model_fields:
        requested = raw.get("post_type")
        chosen = caps.post_type(requested) if isinstance(requested, str) else None
        if chosen is not None:
            return chosen
    fitting = [post_type for post_type in caps.post_types if _fits(post_type, counts)]
    if fitting:
        return fitting[0]
    takers = [post_type for post_type in caps.post_types if _takes_kinds(post_type, counts)]
    if counts.total and takers:
        return max(takers, key=lambda post_type: post_type.capacity or 1_000_000)
    return caps.post_types[0]


def _suggestion(caps: Capabilities, current: PostType, counts: _Counts) -> str:
    if "post_type" not in caps.options_model.model_fields:
        return ""
    for post_type in caps.post_types:
        if post_type is not current and _fits(post_type, counts):
            return f'; use post_type "{post_type.name}"'
    return ""


def _article(word: str) -> str:
    return "an" if word[:1] in ("a", "e", "i", "o", "u") else "a"


def _scope(caps: Capabilities, post_type: PostType, preposition: str) -> str:
    """`" in a reel post"` on platforms with several post types, else `""`."""
    if len(caps.post_types) == 1:
        return ""
    return f" {preposition} {_article(post_type.name)} {post_type.name} post"


def _where(caps: Capabilities, post_type: PostType, preposition: str) -> str:
    """Like `_scope`, but a count cap on a single-type platform reads " per post"."""
    scope = _scope(caps, post_type, preposition)
    return scope or (" per post" if preposition == "in" else "")


def _video_word(count: int, gif: bool) -> str:
    if gif:
        return "video or GIF" if count == 1 else "videos or GIFs"
    return "video" if count == 1 else "videos"


def _media_noun(count: int, images: bool, videos: bool, *, gif: bool) -> str:
    words = []
    if images:
        words.append("image" if count == 1 else "images")
    if videos:
        words.append(_video_word(count, gif))
    return " or ".join(words) or ("media item" if count == 1 else "media items")


def _check_not_empty(
    caps: Capabilities,
    text: str,
    counts: _Counts,
    raw: Mapping[str, Any],
    problems: list[Problem],
) -> None:
    has_text = bool(text.strip())
    name = caps.platform.value
    if caps.text_required and not has_text:
        problems.append(Problem(_TEXT_FIELD, f"{name} needs text"))
        return
    has_content_option = any(_is_set(raw.get(option)) for option in caps.content_options)
    if has_text or counts.total or has_content_option or caps.min_media > 0:
        return
    noun = _media_noun(1, caps.max_images != 0, caps.max_videos > 0, gif=False)
    alternatives = "".join(f", options.{option}" for option in caps.content_options)
    problems.append(Problem(_TEXT_FIELD, f"{name} needs text{alternatives} or at least 1 {noun}"))


def _check_text(
    caps: Capabilities, post_type: PostType, text: str, problems: list[Problem]
) -> None:
    if not text:
        return
    if not post_type.text_allowed:
        if text.strip():
            where = _scope(caps, post_type, "in")
            advice = "remove content.text or choose another post_type"
            problems.append(
                Problem(_TEXT_FIELD, f"{caps.platform.value} takes no text{where}; {advice}")
            )
        return
    rule = post_type.text or caps.text
    problems.extend(_measure(_TEXT_FIELD, "text", text, rule, caps.platform.value))


def _measure(field: str, label: str, value: str, rule: TextRule, platform: str) -> list[Problem]:
    found: list[Problem] = []
    length = text_length(value, rule.counting)
    if length > rule.max_length:
        note = f" ({rule.note})" if rule.note else ""
        unit = _UNITS[rule.counting]
        message = f"{label} is {length} {unit}; {platform} allows {rule.max_length}{note}"
        found.append(Problem(field, message))
    if rule.max_bytes is not None and (size := utf8_length(value)) > rule.max_bytes:
        message = f"{label} is {size} UTF-8 bytes; {platform} allows {rule.max_bytes} bytes"
        found.append(Problem(field, message))
    forbidden = rule.forbidden_characters
    if present := " and ".join(_shown_char(char) for char in forbidden if char in value):
        banned = " or ".join(_shown_char(char) for char in forbidden)
        message = f"{label} contains {present}; {platform} does not allow {banned} there"
        found.append(Problem(field, f"{message}, remove them"))
    for cap, counter, what in (
        (rule.max_hashtags, count_hashtags, "hashtags"),
        (rule.max_mentions, count_mentions, "@mentions"),
        (rule.max_cashtags, count_cashtags, "cashtags"),
    ):
        if cap is not None and (count := counter(value)) > cap:
            found.append(Problem(field, f"{label} has {count} {what}; {platform} allows {cap}"))
    return found


def _shown_char(char: str) -> str:
    """`<` as itself, an invisible or non-character code point as `U+FFFF`."""
    return char if char.isprintable() else f"U+{ord(char):04X}"


def _check_counts(
    caps: Capabilities, post_type: PostType, counts: _Counts, problems: list[Problem]
) -> None:
    """Media counts: the platform-wide minimum and mixing first, then the post type's caps."""
    name = caps.platform.value
    gif = caps.media.gif_as_video
    if counts.total < caps.min_media:
        minimum = caps.min_media
        exact = all(item.min_media == item.capacity == minimum for item in caps.post_types)
        noun = _media_noun(minimum, caps.max_images != 0, caps.max_videos > 0, gif=False)
        quantity = "exactly" if exact else "at least"
        problems.append(Problem(_MEDIA_FIELD, f"{name} needs {quantity} {minimum} {noun}"))
        return
    mixing_refused = counts.mixed and not caps.allow_mixed
    if mixing_refused:
        mix = "images with a video or GIF" if gif else "images and videos"
        message = f"{name} cannot mix {mix} in one post; publish them as separate posts"
        problems.append(Problem(_MEDIA_FIELD, message))
    messages = _post_type_count_messages(caps, post_type, counts, mixing_refused=mixing_refused)
    problems.extend(Problem(_MEDIA_FIELD, message) for message in messages)


def _post_type_count_messages(
    caps: Capabilities, post_type: PostType, counts: _Counts, *, mixing_refused: bool
) -> list[str]:
    name = caps.platform.value
    gif = caps.media.gif_as_video
    hint = _suggestion(caps, post_type, counts)
    capacity = post_type.capacity
    exact = post_type.min_media == capacity
    takes_images = post_type.max_images != 0
    takes_videos = post_type.max_videos > 0
    messages: list[str] = []
    for is_image, count, maximum in (
        (True, counts.images, post_type.max_images),
        (False, counts.videos, post_type.max_videos),
    ):
        if maximum is None or count <= maximum:
            continue
        if maximum == 0:
            # With mixing refused platform-wide, "takes no videos" would only repeat that.
            if not mixing_refused:
                what = "images" if is_image else _video_word(2, gif)
                where = _scope(caps, post_type, "in")
                label = f"{_article(post_type.name)} {post_type.name} post" if where else "a post"
                summary = f"{label} is {post_type.summary}"
                messages.append(f"{name} takes no {what}{where} ({summary}){hint}")
        elif exact and maximum == capacity:
            noun = _media_noun(maximum, is_image, not is_image, gif=gif)
            where = _where(caps, post_type, "for")
            messages.append(f"{name} needs exactly {maximum} {noun}{where}; got {count}")
        else:
            noun = _media_noun(maximum, is_image, not is_image, gif=gif)
            where = _where(caps, post_type, "in")
            messages.append(f"{name} allows at most {maximum} {noun}{where}; got {count}{hint}")
    # A total over capacity is already explained by a per-kind cap or by refused mixing.
    explained = bool(messages) or mixing_refused
    mixable_kinds = takes_images and takes_videos and not mixing_refused
    if counts.mixed and mixable_kinds and not post_type.allow_mixed:
        where = _where(caps, post_type, "in")
        messages.append(f"{name} cannot mix images and videos{where}{hint}")
    if not explained and capacity is not None and counts.total > capacity:
        noun = _media_noun(capacity, takes_images, takes_videos, gif=gif)
        if exact:
            message = f"{name} needs exactly {capacity} {noun}{_where(caps, post_type, 'for')}"
        else:
            message = f"{name} allows at most {capacity} {noun}{_where(caps, post_type, 'in')}"
        messages.append(f"{message}; got {counts.total}{hint}")
    if counts.total < post_type.min_media:
        quantity = "exactly" if exact else "at least"
        noun = _media_noun(post_type.min_media, takes_images, takes_videos, gif=gif)
        where = _where(caps, post_type, "for")
        message = f"{name} needs {quantity} {post_type.min_media} {noun}{where}"
        messages.append(f"{message}; got {counts.total}{hint}")
    return messages


def _check_medium(
    caps: Capabilities, post_type: PostType, item: _Medium, problems: list[Problem]
) -> None:
    """Format, size and duration of one item; items of unknown kind are not checked."""
    if item.kind is None:
        return
    field = f"{_MEDIA_FIELD}[{item.index}]"
    format_problem = _format_problem(caps, item)
    if format_problem is not None:
        problems.append(Problem(field, format_problem))
    problems.extend(Problem(field, message) for message in _size_problems(caps, post_type, item))
    if item.kind == "video" and item.slot == "video" and item.ref.duration_seconds is not None:
        messages = _duration_problems(caps, post_type, item.ref.duration_seconds)
        problems.extend(Problem(field, message) for message in messages)


def _format_problem(caps: Capabilities, item: _Medium) -> str | None:
    mime_type = item.mime_type
    if mime_type is None:
        return None
    family = mime_type.partition("/")[0]
    if family in ("image", "video") and family != item.kind:
        return f"kind is {item.kind} but the file is {mime_type}; fix kind or the file"
    media = caps.media
    accepted = media.image_mime_types if item.kind == "image" else media.video_mime_types
    # No accepted types at all means the kind itself is refused, which the counts already say.
    if accepted and not any(_mime_matches(pattern, mime_type) for pattern in accepted):
        name = caps.platform.value
        return f"{name} does not accept {mime_type} {item.kind}s; use {' or '.join(accepted)}"
    return None


def _size_problems(caps: Capabilities, post_type: PostType, item: _Medium) -> list[str]:
    size = item.ref.size
    if size is None:
        return []
    media = caps.media
    override: int | None = None
    if item.kind == "image" and item.slot == "video":
        what, limit = "GIF", media.max_gif_bytes
    elif item.kind == "image":
        what, override = "image", post_type.max_image_bytes
        limit = _first(override, media.max_image_bytes)
    else:
        what, override = "video", post_type.max_video_bytes
        limit = _first(override, media.max_video_bytes)
    if limit is None or size <= limit:
        return []
    # Name the post type only when the limit is its own (an Instagram story video, say).
    where = _scope(caps, post_type, "in") if override is not None else ""
    name = caps.platform.value
    return [
        f"{what} is {size:,} bytes; {name} allows at most {_format_bytes(limit)} per {what}{where}"
    ]


def _duration_problems(caps: Capabilities, post_type: PostType, duration: float) -> list[str]:
    name = caps.platform.value
    found: list[str] = []
    for override, default, too_far, verb in (
        (post_type.video_min_seconds, caps.media.video_min_seconds, operator.lt, "needs at least"),
        (post_type.video_max_seconds, caps.media.video_max_seconds, operator.gt, "allows at most"),
    ):
        limit = _first(override, default)
        if limit is not None and too_far(duration, limit):
            where = _scope(caps, post_type, "for") if override is not None else ""
            found.append(
                f"video is {duration:g} s long; {name} {verb} {_format_seconds(limit)}{where}"
            )
    return found


def _check_text_fields(caps: Capabilities, raw: Mapping[str, Any], problems: list[Problem]) -> None:
    name = caps.platform.value
    for text_field in caps.text_fields:
        value = raw.get(text_field.option)
        path = f"options.{text_field.option}"
        if text_field.list_mode == "value" and isinstance(value, str):
            problems.extend(_measure(path, path, value, text_field.rule, name))
        elif text_field.list_mode == "each" and isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, str):
                    item_path = f"{path}[{index}]"
                    problems.extend(_measure(item_path, item_path, item, text_field.rule, name))
        elif (
            text_field.list_mode == "joined"
            and isinstance(value, list)
            and all(isinstance(item, str) for item in value)
        ):
            joined = ",".join(f'"{item}"' if " " in item else item for item in value)
            problems.extend(_measure(path, path, joined, text_field.rule, name))


def _check_option_scope(
    caps: Capabilities,
    post_type: PostType,
    counts: _Counts,
    raw: Mapping[str, Any],
    problems: list[Problem],
) -> None:
    name = caps.platform.value
    for option in post_type.disallowed_options:
        if _is_set(raw.get(option)):
            where = f"{_article(post_type.name)} {post_type.name} post"
            message = f"options.{option} does not apply to {where} on {name}; remove it"
            problems.append(Problem(f"options.{option}", message))
    for option in caps.per_media_options:
        value = raw.get(option)
        if isinstance(value, list) and value and len(value) != counts.total:
            entries = "entry" if len(value) == 1 else "entries"
            items = "item" if counts.total == 1 else "items"
            message = (
                f"options.{option} has {len(value)} {entries} for {counts.total} media {items}; "
                'give one per media item, in order ("" for none)'
            )
            problems.append(Problem(f"options.{option}", message))


def _check_publishable(
    caps: Capabilities,
    post_type: PostType,
    counts: _Counts,
    raw: Mapping[str, Any],
    problems: list[Problem],
) -> None:
    """What Lowtato itself will not send: refused post types, options that exclude media."""
    if post_type.refused:
        problems.append(Problem("options.post_type", post_type.refused))
    for option in caps.media_exclusive_options:
        if counts.total and _is_set(raw.get(option)):
            message = (
                f"{caps.platform.value} cannot show options.{option} and media in one post: put "
                f"it in the text, or drop the media"
            )
            problems.append(Problem(f"options.{option}", message))


def _is_set(value: object) -> bool:
    return value is not None and value is not False and value not in ("", [])


def _first(override: _N | None, default: _N | None) -> _N | None:
    return override if override is not None else default


def _mime_matches(pattern: str, mime_type: str) -> bool:
    if pattern.endswith("/*"):
        return mime_type.startswith(pattern[:-1])
    return mime_type == pattern


def _format_bytes(size: int) -> str:
    if size >= _GB and size % _GB == 0:
        return f"{size // _GB} GB ({size:,} bytes)"
    if size >= _MB and size % _MB == 0:
        return f"{size // _MB} MB ({size:,} bytes)"
    return f"{size:,} bytes"


def _format_seconds(seconds: float) -> str:
    if seconds >= 120 and seconds % 60 == 0:
        return f"{int(seconds // 60)} min"
    return f"{seconds:g} s"


def _show(value: object) -> str:
    shown = json.dumps(value, ensure_ascii=False, default=str)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    return next(
        (name for types, name in _JSON_TYPES if isinstance(value, types)), type(value).__name__
    )
