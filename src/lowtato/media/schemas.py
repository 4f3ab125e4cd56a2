"""Media request and response shapes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class MediaOut(BaseModel):
    """An uploaded file. ``url`` is public (no API key) so platforms can fetch it; put it, or
    the ``id``, in a post's ``mediaUrls`` / ``media_urls``."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "med_01jcz5v6n3q8x7m2k4w9r0t1ya",
                    "url": "https://lowtato.example/media/Xq3…/med_01jcz5v6n3q8x7m2k4w9r0t1ya.png",
                    "mime_type": "image/png",
                    "kind": "image",
                    "size": 48213,
                    "width": 1200,
                    "height": 675,
                    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                    "filename": "launch.png",
                    "created_at": "2026-12-01T09:00:00Z",
                }
            ]
        }
    )

    id: str
    url: str
    mime_type: str
    kind: Literal["image", "video"]
    size: int = Field(description="Bytes.")
    width: int | None = Field(None, description="Pixels; images and videos when known.")
    height: int | None = Field(None, description="Pixels; images and videos when known.")
    duration_seconds: float | None = Field(None, description="Videos, when the file says.")
    sha256: str
    filename: str | None = None
    created_at: str


class Base64Upload(BaseModel):
    """The JSON form of an upload (documentation only: the body is parsed as a stream)."""

    data: str = Field(
        description="The file, base64 (standard or URL-safe; a data: URL is accepted too)."
    )
    mime_type: str | None = Field(
        None, description="Optional; if given it must match the file's bytes (else 415)."
    )
    filename: str | None = None
