"""AI image request and response models."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from lowtato.images import sizes
from lowtato.platforms.names import Platform

MAX_PROMPT = 1000


def _prompt(value: str) -> str:
    value = value.strip()
    if not value:
        msg = "must not be blank: describe the image"
        raise ValueError(msg)
    if any((ord(c) < 32 and c not in "\n\t") or ord(c) == 127 for c in value):
        msg = "must not contain control characters"
        raise ValueError(msg)
    return value


def _size(value: str) -> str:
    size = sizes.parse(value)
    if size is None:
        msg = f"must be one of {', '.join(sizes.ALLOWED_NAMES)} (got {value[:20]!r})"
        raise ValueError(msg)
    return str(size)


class ImageCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"prompt": "Fresh sourdough every morning at 7", "platform": "instagram"}]
        },
    )

    prompt: Annotated[
        str,
        Field(strict=True, min_length=1, max_length=MAX_PROMPT, description="What to show."),
        AfterValidator(_prompt),
    ]
    platform: Platform | None = Field(
        None, description="Sizes the image the way this platform shows it best (see `size`)."
    )
    size: Annotated[
        str | None,
        Field(
            max_length=40,
            description="`WIDTHxHEIGHT`, one of: " + ", ".join(sizes.ALLOWED_NAMES) + ". "
            "Omitted: the platform's preferred size, or 1080x1080 without a platform.",
        ),
        AfterValidator(lambda v: None if v is None else _size(v)),
    ] = None


class ImageOut(BaseModel):
    """A stored image: a media item like an upload, so its `url` (or `id`) goes in a post's
    `mediaUrls` / `media_urls`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "med_01jcz5v6n3q8x7m2k4w9r0t1ya",
                    "url": "https://lowtato.example/media/Xq3…/med_01jcz5v6n3q8x7m2k4w9r0t1ya.png",
                    "mime_type": "image/png",
                    "width": 1080,
                    "height": 1350,
                    "size": 48213,
                    "credits_used": 2.0,
                    "provider": "builtin",
                    "kind": "card",
                }
            ]
        }
    )

    id: str = Field(description="The media id (`med_…`).")
    url: str = Field(description="Public URL of the file; works in a post's `mediaUrls`.")
    mime_type: str = Field(description="`image/png` (cards, transparent images) or `image/jpeg`.")
    width: int = Field(description="Pixels.")
    height: int = Field(description="Pixels.")
    size: int = Field(description="Bytes.")
    credits_used: float = Field(description="Credits this image cost (refunded on failure).")
    provider: str = Field(
        description="The image model that made it, or `builtin` for the built-in card renderer."
    )
    kind: Literal["card", "generated"] = Field(
        description="`card`: the built-in renderer set the prompt as text on the brand colour "
        "(no image model configured). `generated`: an image model drew it."
    )
