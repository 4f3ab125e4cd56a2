"""Pending OAuth connections: the ``state`` a connect link carries until its callback."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lowtato.kit.db import Base


class OAuthState(Base):
    __tablename__ = "oauth_states"
    __table_args__ = (Index("ix_oauth_states_expires_at", "expires_at"),)  # the prune batches

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    # SHA-256 of the state parameter: the raw value only travels in the link.
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    livemode: Mapped[bool] = mapped_column(Boolean)
    platform: Mapped[str] = mapped_column(String(20))
    redirect_uri: Mapped[str | None] = mapped_column(Text)
    code_verifier_enc: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
