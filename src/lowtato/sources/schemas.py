"""Source request and response models."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, AliasChoices, BaseModel, ConfigDict, Field

from lowtato.sources.models import SourceStatus, SourceType

MAX_INPUT_CHARS = 100_000
MAX_INSTRUCTIONS_CHARS = 2_000


def _no_controls(value: str) -> str:
    # NUL cannot be stored in a PostgreSQL text column; other control characters are noise.
    if any((ord(c) < 32 and c not in "\n\r\t") or ord(c) == 127 for c in value):
        msg = "must not contain control characters (other than newlines and tabs)"
        raise ValueError(msg)
    return value


StrictText = Annotated[str, Field(strict=True), AfterValidator(_no_controls)]


class SourceCreate(BaseModel):
    """`url` is required for article, youtube, tiktok, twitter and pdf; `text` for text and
    perplexity-query; audio takes either `url` (an audio file to transcribe) or `text` (a
    transcript you already have). camelCase and snake_case names are both accepted."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    source_type: SourceType = Field(
        validation_alias=AliasChoices("sourceType", "source_type"),
        description="article | youtube | tiktok | twitter | pdf | text | audio | perplexity-query",
    )
    url: Annotated[StrictText, Field(max_length=2048)] | None = Field(
        default=None, description="http(s) URL of the page, video, post, PDF or audio file."
    )
    text: Annotated[StrictText, Field(max_length=MAX_INPUT_CHARS)] | None = Field(
        default=None,
        description="The text itself (text), a transcript (audio), or the question "
        "(perplexity-query).",
    )
    custom_instructions: Annotated[StrictText, Field(max_length=MAX_INSTRUCTIONS_CHARS)] | None = (
        Field(
            default=None,
            validation_alias=AliasChoices("customInstructions", "custom_instructions"),
            description="How to reshape the extracted text (e.g. 'the 5 key points as "
            "bullets'). Applied by the configured AI provider; without one they are kept and "
            "`notes` says they were not applied.",
        )
    )


class SourceQueued(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"id": "src_01kt1gw6g0nh39ctkz5g3f4s2k", "status": "queued"}]
        }
    )

    id: str = Field(description="The source id (`src_…`); poll GET /api/v1/sources/{id}.")
    status: SourceStatus = Field(description="Always `queued` on creation.")


class SourceOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "src_01kt1gw6g0nh39ctkz5g3f4s2k",
                    "source_type": "article",
                    "status": "ready",
                    "url": "https://blog.acme-coffee.example/roasting",
                    "text": None,
                    "custom_instructions": None,
                    "extracted_title": "How we roast",
                    "extracted_content": "We roast in small batches every Monday...",
                    "raw_content": None,
                    "notes": [],
                    "error_message": None,
                    "created_at": "2026-06-01T12:00:00Z",
                    "updated_at": "2026-06-01T12:00:04Z",
                    "completed_at": "2026-06-01T12:00:04Z",
                }
            ]
        }
    )

    id: str
    source_type: SourceType
    status: SourceStatus = Field(description="queued → processing → ready | failed")
    url: str | None
    text: str | None = Field(description="The text sent on creation, if any.")
    custom_instructions: str | None
    extracted_title: str | None = Field(description="Set when `ready`.")
    extracted_content: str | None = Field(
        description="Set when `ready`: the extracted text (at most 100,000 characters; "
        "`notes` says when it was cut), or its reshaped form when customInstructions were "
        "applied."
    )
    raw_content: str | None = Field(
        description="The extracted text before customInstructions reshaped it; null when "
        "they were not applied."
    )
    notes: list[str] = Field(
        description="What you should know about the result: truncation, instructions not applied."
    )
    error_message: str | None = Field(description="Set when `failed`: what went wrong and what "
                                      "to do.")  # fmt: skip
    created_at: str
    updated_at: str
    completed_at: str | None
