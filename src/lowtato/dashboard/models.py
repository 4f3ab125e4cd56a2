"""Dashboard sign-in: password hashes, sessions and one-time sign-in links.

Kept apart from ``users``: the API never reads them, and an owner without a password (made by
the CLI or the demo bootstrap) simply cannot sign in with one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from lowtato.kit.db import Base


class DashboardPassword(Base):
    __tablename__ = "dashboard_passwords"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id, salt included
    updated_at: Mapped[datetime]


class DashboardSession(Base):
    __tablename__ = "dashboard_sessions"

    # sha256 of the cookie's token: a leaked table does not hand out sessions.
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    livemode: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class SignInLink(Base):
    __tablename__ = "dashboard_sign_in_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
