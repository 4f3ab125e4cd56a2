"""The marketplace: accounts for sale (the operator's live inventory, and each test owner's
sandbox inventory) and who bought which. Credentials are one ciphertext bound to the row."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lowtato.kit.db import Base, enum_check


class ItemStatus(StrEnum):
    available = "available"
    # Held for a card payment in flight (``reserved_by`` is the purchase id being paid); a
    # reservation older than ``service.RESERVATION`` counts as available again.
    reserved = "reserved"
    sold = "sold"


class PaidWith(StrEnum):
    credits = "credits"
    card = "card"


class MarketplaceItem(Base):
    __tablename__ = "marketplace_items"
    __table_args__ = (
        enum_check("status", ItemStatus),
        Index("ix_marketplace_items_listing", "livemode", "owner_id", "status", "platform"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    livemode: Mapped[bool] = mapped_column(Boolean)
    # NULL: the operator's live inventory; set: a test owner's sandbox item.
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(20))
    username: Mapped[str] = mapped_column(String(200))
    price_cents: Mapped[int] = mapped_column(Integer)
    # JSON {email, password, totp_secret, access_token, refresh_token, platform_user_id},
    # encrypted with the key ring (aad ``service.credentials_aad``).
    credentials_enc: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=ItemStatus.available)
    reserved_by: Mapped[str | None] = mapped_column(String(40))
    reserved_at: Mapped[datetime | None]
    sold_to: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sold_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class MarketplacePurchase(Base):
    __tablename__ = "marketplace_purchases"
    __table_args__ = (
        enum_check("paid_with", PaidWith),
        Index("ix_marketplace_purchases_owner", "owner_id", "livemode", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    livemode: Mapped[bool] = mapped_column(Boolean)
    item_id: Mapped[str] = mapped_column(ForeignKey("marketplace_items.id"), unique=True)
    paid_with: Mapped[str] = mapped_column(String(20))
    amount_cents: Mapped[int] = mapped_column(Integer)
    credits_charged: Mapped[int] = mapped_column(Integer, default=0)  # hundredths
    payment_ref: Mapped[str | None] = mapped_column(String(200))
    social_account_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime]
