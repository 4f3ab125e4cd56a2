"""Owners (users) and their API keys."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lowtato.kit.db import Base, enum_check
from lowtato.plans import PlanName


class UserType(StrEnum):
    """Who the owner said they are at onboarding (AI generation and defaults may read it)."""

    solo_creator = "solo_creator"
    marketing_team = "marketing_team"
    agency = "agency"


class User(Base):
    __tablename__ = "users"
    __table_args__ = (enum_check("plan", PlanName), enum_check("user_type", UserType))

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    plan: Mapped[str] = mapped_column(String(20))
    credits_balance: Mapped[int] = mapped_column(Integer, default=0)  # hundredths
    # The part of the balance that was bought or granted: spent after the plan's monthly
    # credits and kept by the monthly reset (billing.credits).
    credits_topup: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    language: Mapped[str] = mapped_column(String(16), default="en")
    notification_preferences: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    onboarding_completed: Mapped[bool] = mapped_column(Boolean, default=False)
    user_type: Mapped[str | None] = mapped_column(String(20))  # set by onboarding
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    livemode: Mapped[bool] = mapped_column(Boolean)
    # Public part of the key, stored in clear for lookup and display; the secret is only hashed.
    lookup: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    display: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200), default="")
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
