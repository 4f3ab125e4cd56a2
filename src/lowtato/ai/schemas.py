"""``POST /api/v1/ai/generate`` request and response."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from lowtato.ai.tones import ACCEPTED, Tone, parse_tone
from lowtato.kit.params import one_of
from lowtato.platforms.names import PLATFORMS, Platform


def _topic(value: str) -> str:
    value = " ".join(value.split()) if "\n" not in value else value.strip()
    if not value:
        msg = "must not be blank: say what the post is about, e.g. 'our new rye loaf'"
        raise ValueError(msg)
    return value


def _platform(value: str) -> str:
    if value not in PLATFORMS:
        msg = f"unknown platform {value[:40]!r}: use one of {', '.join(PLATFORMS)}"
        raise ValueError(msg)
    return value


def _tone(value: str) -> str:
    tone = parse_tone(value)
    if tone is None:
        msg = f"unknown tone {value[:40]!r}: use one of {', '.join(ACCEPTED)}"
        raise ValueError(msg)
    return tone.value


def _instructions(value: str) -> str | None:
    return value.strip() or None


class GenerateRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"topic": "our new rye loaf", "platform": "instagram", "tone": "friendly"},
                {"topic": "why sourdough takes 48 hours", "platform": "linkedin",
                 "tone": "educational", "include_hashtags": True,
                 "custom_instructions": "Mention the Saturday market stall."},
            ]
        },
    )  # fmt: skip

    topic: Annotated[
        str,
        Field(strict=True, min_length=1, max_length=500, description="What the post is about."),
        AfterValidator(_topic),
    ]
    platform: Annotated[
        str,
        Field(
            strict=True,
            description="The platform to write for.",
            json_schema_extra=one_of(PLATFORMS),
        ),
        AfterValidator(_platform),
    ]
    tone: Annotated[
        str | None,
        Field(
            strict=True,
            description="How the post should sound (default: the brand kit's tone, else "
            f"professional): {', '.join(t.value for t in Tone)}; also accepted: "
            f"{', '.join(ACCEPTED[len(Tone) :])}.",
        ),
        AfterValidator(lambda v: None if v is None else _tone(v)),
    ] = None
    include_hashtags: Annotated[
        bool, Field(strict=True, description="Add hashtags as the platform uses them.")
    ] = True
    custom_instructions: Annotated[
        str | None,
        Field(strict=True, max_length=2000, description="Extra guidance for an AI provider."),
        AfterValidator(lambda v: None if v is None else _instructions(v)),
    ] = None
    source_id: Annotated[
        str | None,
        Field(
            strict=True,
            max_length=40,
            pattern=r"^src_[A-Za-z0-9_-]+$",
            description="A ready source (POST /api/v1/sources) to write from: its key sentences "
            "(built-in) or its text (AI provider). 404 if unknown, 409 `conflict` while it is "
            "still extracting or when it failed; nothing is charged then.",
        ),
    ] = None

    @property
    def platform_key(self) -> Platform:
        return Platform(self.platform)


class GeneratedPost(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "content": "Small-batch roasting means every bag is at most 5 days old. "
                    "Taste the difference. #coffee #specialtycoffee",
                    "hashtags": ["#coffee", "#specialtycoffee"],
                    "character_count": 106,
                    "platform": "bluesky",
                    "credits_used": 0.5,
                    "provider": "builtin",
                    "tone": "friendly",
                    "language": "en",
                    "title": None,
                    "notes": [],
                }
            ]
        }
    )

    content: str = Field(
        description="The post, ready to publish: text, then hashtags where the platform puts "
        "them. For YouTube it is the video description, its first line the title."
    )
    hashtags: list[str] = Field(description="The hashtags at the end of `content` ('#Bread').")
    character_count: int = Field(
        description="The length of `content` as the platform counts it (X: weighted, "
        "Bluesky: graphemes, Threads: emoji as bytes, YouTube: UTF-8 bytes)."
    )
    platform: str
    credits_used: float = Field(description="Credits this call spent (0.5).")
    provider: str = Field(description="'builtin' (the offline generator) or the model's name.")
    tone: str = Field(description="The tone the post was written in.")
    language: str = Field(description="The language of `content` (ISO 639-1, 'en').")
    title: str | None = Field(
        default=None, description="YouTube only: the video title (the first line of `content`)."
    )
    notes: list[str] = Field(
        description="What the caller should know: shortened to fit, hashtags dropped, the "
        "brand language not used by the built-in generator, ..."
    )
