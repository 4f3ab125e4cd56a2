"""A source: what the owner asked to read (type + URL or text) and, once the extraction job
has run, the text it yielded or why it could not."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lowtato.kit.db import Base, enum_check


class SourceType(StrEnum):
    article = "article"
    youtube = "youtube"
    tiktok = "tiktok"
    twitter = "twitter"
    pdf = "pdf"
    text = "text"
    audio = "audio"
    perplexity_query = "perplexity-query"


class SourceStatus(StrEnum):
    queued = "queued"  # written with its extraction job, not picked up yet
    processing = "processing"  # a worker is extracting (or will retry after a network error)
    ready = "ready"  # extracted_title / extracted_content are set
    failed = "failed"  # error_message says what went wrong and what to do


class Source(Base):
    __tablename__ = "sources"
    __table_args__ = (
        Index("ix_sources_owner", "owner_id", "livemode", "created_at"),
        enum_check("source_type", SourceType),
        enum_check("status", SourceStatus),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    livemode: Mapped[bool] = mapped_column(Boolean)
    source_type: Mapped[str] = mapped_column(String(20))
    url: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)  # the input (text, transcript, question)
    custom_instructions: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=SourceStatus.queued.value)
    extracted_title: Mapped[str | None] = mapped_column(Text)
    extracted_content: Mapped[str | None] = mapped_column(Text)
    # The extracted text before customInstructions reshaped it (only when they were applied).
    raw_content: Mapped[str | None] = mapped_column(Text)
    # Sentences about the result a user should know: truncation, instructions not applied.
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)
    error_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
