"""The sandbox network's own storage: what the simulated platforms "hold"."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lowtato.kit.db import Base


class SandboxPost(Base):
    __tablename__ = "sandbox_posts"
    __table_args__ = (
        Index("ix_sandbox_posts_request", "platform", "request_post_id"),
        Index("ix_sandbox_posts_created_at", "created_at"),  # the prune batches
    )

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    author_id: Mapped[str] = mapped_column(String(200))
    author_username: Mapped[str] = mapped_column(String(200))
    # The Lowtato post id the create came from: lets tests count creates per post (never >1).
    request_post_id: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    media: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    options: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]
