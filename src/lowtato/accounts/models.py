"""Connected social accounts and their subaccounts (Facebook Pages, LinkedIn organizations,
Pinterest boards). Tokens are stored only as ciphertext bound to the row (kit/crypto)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from lowtato.kit.db import Base


class SocialAccount(Base):
    __tablename__ = "social_accounts"
    __table_args__ = (
        UniqueConstraint("owner_id", "livemode", "platform", "platform_user_id"),
        Index("ix_social_accounts_owner", "owner_id", "livemode", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    livemode: Mapped[bool] = mapped_column(Boolean)
    platform: Mapped[str] = mapped_column(String(20))
    platform_user_id: Mapped[str] = mapped_column(String(200))
    username: Mapped[str] = mapped_column(String(200), default="")
    fullname: Mapped[str] = mapped_column(String(200), default="")
    profile_image_url: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # True for test-mode accounts that publish to the built-in sandbox network.
    sandbox: Mapped[bool] = mapped_column(Boolean, default=False)
    access_token_enc: Mapped[str | None] = mapped_column(Text)
    refresh_token_enc: Mapped[str | None] = mapped_column(Text)
    token_expires_at: Mapped[datetime | None]
    # Refresh refusals in a row that did not say the grant is dead (accounts/tokens.py).
    refresh_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Held while one process refreshes the token, so two never spend a rotating refresh token.
    refresh_claimed_until: Mapped[datetime | None]
    # Platform-specific connection facts (e.g. a Bluesky account's PDS service URL).
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    disconnected_reason: Mapped[str | None] = mapped_column(Text)
    # Set by DELETE /accounts/{id}: hidden from listings; reconnecting revives the row.
    deleted_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class SubAccount(Base):
    __tablename__ = "subaccounts"
    __table_args__ = (UniqueConstraint("account_id", "external_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    livemode: Mapped[bool] = mapped_column(Boolean)
    account_id: Mapped[str] = mapped_column(ForeignKey("social_accounts.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300), default="")
    type: Mapped[str] = mapped_column(String(40))
    access_token_enc: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
