"""The credit ledger (every change of an owner's balance, with the balance after it), the
owner's Stripe customer, and the Stripe events already applied."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lowtato.kit.db import Base, enum_check


class CreditEntry(Base):
    __tablename__ = "credit_ledger"
    __table_args__ = (Index("ix_credit_ledger_owner_time", "owner_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    amount: Mapped[int] = mapped_column(Integer)  # hundredths; negative for a debit
    balance_after: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(60))  # ai.generate, monthly_reset, …
    created_at: Mapped[datetime]


class SubscriptionStatus(StrEnum):
    """Stripe's subscription statuses, as Stripe names them."""

    incomplete = "incomplete"
    incomplete_expired = "incomplete_expired"
    trialing = "trialing"
    active = "active"
    past_due = "past_due"
    canceled = "canceled"
    unpaid = "unpaid"
    paused = "paused"


class BillingCustomer(Base):
    """An owner's Stripe customer and subscription (no row = never went to checkout)."""

    __tablename__ = "billing_customers"
    __table_args__ = (enum_check("subscription_status", SubscriptionStatus),)

    owner_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    stripe_customer_id: Mapped[str] = mapped_column(String(255), unique=True)
    subscription_id: Mapped[str | None] = mapped_column(String(255))
    subscription_status: Mapped[str | None] = mapped_column(String(20))
    # Set by invoice.payment_failed; the plan stays until Stripe ends the subscription.
    last_payment_failed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class StripeEvent(Base):
    """Every Stripe webhook event applied, keyed by Stripe's event id: the row is inserted in
    the transaction that applies the event, so a redelivery finds it and changes nothing."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    owner_id: Mapped[str | None] = mapped_column(String(40))
    received_at: Mapped[datetime]
