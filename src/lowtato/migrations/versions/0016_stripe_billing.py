"""Stripe billing: the owner's Stripe customer and subscription, and the Stripe events applied
(one row per event id, so a redelivered event is applied once)

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lowtato.kit.db

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

SUBSCRIPTION_STATUSES = (
    "incomplete",
    "incomplete_expired",
    "trialing",
    "active",
    "past_due",
    "canceled",
    "unpaid",
    "paused",
)


def upgrade() -> None:
    op.create_table(
        "billing_customers",
        sa.Column("owner_id", sa.String(length=40), nullable=False),
        sa.Column("stripe_customer_id", sa.String(length=255), nullable=False),
        sa.Column("subscription_id", sa.String(length=255), nullable=True),
        sa.Column("subscription_status", sa.String(length=20), nullable=True),
        sa.Column(
            "last_payment_failed_at", lowtato.kit.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("updated_at", lowtato.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            f"subscription_status IN ({', '.join(repr(s) for s in SUBSCRIPTION_STATUSES)})",
            name=op.f("ck_billing_customers_subscription_status"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_billing_customers_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("owner_id", name=op.f("pk_billing_customers")),
        sa.UniqueConstraint(
            "stripe_customer_id", name=op.f("uq_billing_customers_stripe_customer_id")
        ),
    )
    op.create_table(
        "stripe_events",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("owner_id", sa.String(length=40), nullable=True),
        sa.Column("received_at", lowtato.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stripe_events")),
    )


def downgrade() -> None:
    op.drop_table("stripe_events")
    op.drop_table("billing_customers")
