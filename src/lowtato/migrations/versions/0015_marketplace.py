"""the account marketplace: inventory (credentials encrypted) and purchases

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lowtato.kit.db

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "marketplace_items",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("owner_id", sa.String(length=40), nullable=True),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("username", sa.String(length=200), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.Column("credentials_enc", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reserved_by", sa.String(length=40), nullable=True),
        sa.Column("reserved_at", lowtato.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sold_to", sa.String(length=40), nullable=True),
        sa.Column("sold_at", lowtato.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", lowtato.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('available', 'reserved', 'sold')", name=op.f("ck_marketplace_items_status")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_marketplace_items_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sold_to"],
            ["users.id"],
            name=op.f("fk_marketplace_items_sold_to_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marketplace_items")),
    )
    op.create_index(
        "ix_marketplace_items_listing",
        "marketplace_items",
        ["livemode", "owner_id", "status", "platform"],
        unique=False,
    )

    op.create_table(
        "marketplace_purchases",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("owner_id", sa.String(length=40), nullable=False),
        sa.Column("livemode", sa.Boolean(), nullable=False),
        sa.Column("item_id", sa.String(length=40), nullable=False),
        sa.Column("paid_with", sa.String(length=20), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("credits_charged", sa.Integer(), nullable=False),
        sa.Column("payment_ref", sa.String(length=200), nullable=True),
        sa.Column("social_account_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", lowtato.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "paid_with IN ('credits', 'card')", name=op.f("ck_marketplace_purchases_paid_with")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["marketplace_items.id"],
            name=op.f("fk_marketplace_purchases_item_id_marketplace_items"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_marketplace_purchases_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marketplace_purchases")),
        sa.UniqueConstraint("item_id", name=op.f("uq_marketplace_purchases_item_id")),
    )
    op.create_index(
        "ix_marketplace_purchases_owner",
        "marketplace_purchases",
        ["owner_id", "livemode", "created_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_marketplace_purchases_owner", table_name="marketplace_purchases")
    op.drop_table("marketplace_purchases")
    op.drop_index("ix_marketplace_items_listing", table_name="marketplace_items")
    op.drop_table("marketplace_items")
