"""Uploaded media files: one row per file, owned by one owner in one mode."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lowtato.kit.db import Base, enum_check


class MediaKind(StrEnum):
    image = "image"
    video = "video"


class MediaFile(Base):
    __tablename__ = "media_files"
    __table_args__ = (
        Index("ix_media_files_owner_time", "owner_id", "livemode", "created_at"),
        Index("ix_media_files_last_used", "last_used_at"),
        enum_check("kind", MediaKind),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    livemode: Mapped[bool] = mapped_column(Boolean)
    # The secret part of the public file URL (/media/{token}/{id}.{ext}): platforms fetch that
    # URL without an API key, so it must be unguessable; ids alone are time-sortable.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    # Where the bytes are in the storage backend: "{token}/{id}{ext}", the URL's path tail.
    storage_key: Mapped[str] = mapped_column(String(200))
    # The public URL handed out at upload (this server's LOWTATO_PUBLIC_URL at the time).
    url: Mapped[str] = mapped_column(Text)
    mime_type: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(10))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str | None] = mapped_column(String(255))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime]
    # Moved forward whenever a post starts using the file, so orphan clean-up (which needs
    # it older than the orphan age) cannot race a post that is being created with it.
    last_used_at: Mapped[datetime]
