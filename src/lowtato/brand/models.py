"""The owner's brand kit: who they are and how they sound, read by AI generation. One per
owner (not per mode): it describes the person, like the profile."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from lowtato.kit.db import Base


class BrandKit(Base):
    __tablename__ = "brand_kits"

    owner_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    brand_name: Mapped[str | None] = mapped_column(String(100))
    brand_color: Mapped[str | None] = mapped_column(String(7))  # "#RRGGBB", upper case
    tone: Mapped[str | None] = mapped_column(String(60))
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    logo_url: Mapped[str | None] = mapped_column(String(2048))
    website: Mapped[str | None] = mapped_column(String(2048))
    what_do_you_do: Mapped[str | None] = mapped_column(String(1000))
    who_do_you_help: Mapped[str | None] = mapped_column(String(1000))
    language: Mapped[str | None] = mapped_column(String(16))  # "en", "pt-BR"
    updated_at: Mapped[datetime]
