"""Recurring weekly time slots (wall-clock in the owner's timezone)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lowtato.kit.db import Base


class Slot(Base):
    __tablename__ = "schedule_slots"
    __table_args__ = (Index("ix_schedule_slots_owner", "owner_id", "livemode"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    livemode: Mapped[bool] = mapped_column(Boolean)
    day: Mapped[int] = mapped_column(Integer)  # 0 = Sunday … 6 = Saturday
    hour: Mapped[int] = mapped_column(Integer)
    minute: Mapped[int] = mapped_column(Integer)
    # Account ids this slot is for; with `platforms` both empty, it is for every account.
    selected_targets: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Platforms this slot is for (auto-configure), so accounts connected later are included.
    platforms: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
