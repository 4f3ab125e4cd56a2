"""Brand kit request/response models, and the field types onboarding shares."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from lowtato.kit.languages import normalize_language

MAX_TOPICS = 20
COLOR_DIGITS = frozenset("0123456789ABCDEF")


def _line(limit: int) -> AfterValidator:
    """Trimmed, one line, at most ``limit`` characters; blank means "not set"."""

    def check(value: str) -> str | None:
        value = value.strip()
        if any(ord(c) < 32 or ord(c) == 127 for c in value):
            msg = "must be one line without control characters"
            raise ValueError(msg)
        if len(value) > limit:
            msg = f"must be at most {limit} characters (got {len(value)})"
            raise ValueError(msg)
        return value or None

    return AfterValidator(check)


def _text(value: str) -> str | None:
    value = value.strip()
    if any((ord(c) < 32 and c not in "\n\t") or ord(c) == 127 for c in value):
        msg = "must not contain control characters"
        raise ValueError(msg)
    return value or None


def _color(value: str) -> str | None:
    value = value.strip().upper()
    if not value:
        return None
    if len(value) != 7 or value[0] != "#" or not set(value[1:]) <= COLOR_DIGITS:
        msg = f"must be a hex colour '#RRGGBB' such as '#8FE000' (got {value[:20]!r})"
        raise ValueError(msg)
    return value


def _url(value: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        msg = "must be an http(s) URL such as 'https://example.com'"
        raise ValueError(msg)
    if parts.username is not None or parts.password is not None:
        msg = "must not carry a user name or password"
        raise ValueError(msg)
    if any(c.isspace() for c in value):
        msg = "must not contain spaces (percent-encode them)"
        raise ValueError(msg)
    return value


def _topics(values: list[str | None]) -> list[str]:
    seen: dict[str, str] = {}
    for value in values:
        if value is not None:
            seen.setdefault(value.casefold(), value)  # one entry per topic, first spelling
    if len(seen) > MAX_TOPICS:
        msg = f"at most {MAX_TOPICS} topics (got {len(seen)})"
        raise ValueError(msg)
    return list(seen.values())


StrictText = Annotated[str, Field(strict=True)]
BrandName = Annotated[StrictText, Field(max_length=400), _line(100)]
Tone = Annotated[
    StrictText,
    Field(max_length=400, description="How posts should sound, e.g. 'professional', 'playful'"),
    _line(60),
]
Topic = Annotated[StrictText, Field(max_length=400), _line(50)]
Topics = Annotated[
    list[Topic],
    Field(max_length=200, description=f"Up to {MAX_TOPICS} short topics, e.g. ['e-commerce']"),
    AfterValidator(_topics),
]
LongText = Annotated[StrictText, Field(max_length=1000), AfterValidator(_text)]
Color = Annotated[StrictText, Field(max_length=40, examples=["#8FE000"]), AfterValidator(_color)]
Url = Annotated[StrictText, Field(max_length=2048), AfterValidator(_url)]
Language = Annotated[
    StrictText,
    Field(max_length=20, description="ISO 639-1 code, optionally with a region: 'en', 'pt-BR'"),
    AfterValidator(normalize_language),
]


class BrandKitUpdate(BaseModel):
    """Only the fields sent change; ``null`` (or a blank string) clears one."""

    model_config = ConfigDict(extra="forbid")

    brand_name: BrandName | None = None
    brand_color: Color | None = None
    tone: Tone | None = None
    topics: Topics | None = None
    logo_url: Url | None = None
    website: Url | None = None
    what_do_you_do: LongText | None = None
    who_do_you_help: LongText | None = None
    language: Language | None = None


class BrandKitOut(BaseModel):
    """Unset fields are ``null`` (``topics`` an empty list)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "brand_name": "Acme Coffee",
                    "brand_color": "#6F4E37",
                    "tone": "friendly",
                    "topics": ["specialty coffee", "brewing tips"],
                    "logo_url": None,
                    "website": "https://acme-coffee.example",
                    "what_do_you_do": "We roast single-origin coffee.",
                    "who_do_you_help": "Home baristas",
                    "language": "en",
                }
            ]
        }
    )

    brand_name: str | None
    brand_color: str | None
    tone: str | None
    topics: list[str]
    logo_url: str | None
    website: str | None
    what_do_you_do: str | None
    who_do_you_help: str | None
    language: str | None
