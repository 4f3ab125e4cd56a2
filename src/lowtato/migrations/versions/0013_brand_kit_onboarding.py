"""brand kits (one per owner, existing owners get an empty one) and the owner's user type

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lowtato.kit.db

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

USER_TYPES = ("solo_creator", "marketing_team", "agency")


def upgrade() -> None:
    op.create_table(
        "brand_kits",
        sa.Column("owner_id", sa.String(length=40), nullable=False),
        sa.Column("brand_name", sa.String(length=100), nullable=True),
        sa.Column("brand_color", sa.String(length=7), nullable=True),
        sa.Column("tone", sa.String(length=60), nullable=True),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("logo_url", sa.String(length=2048), nullable=True),
        sa.Column("website", sa.String(length=2048), nullable=True),
        sa.Column("what_do_you_do", sa.String(length=1000), nullable=True),
        sa.Column("who_do_you_help", sa.String(length=1000), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("updated_at", lowtato.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_brand_kits_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("owner_id", name=op.f("pk_brand_kits")),
    )
    op.execute(
        "INSERT INTO brand_kits (owner_id, topics, updated_at) "
        "SELECT id, '[]', created_at FROM users"
    )
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("user_type", sa.String(length=20), nullable=True))
        batch.create_check_constraint(
            op.f("ck_users_user_type"),
            f"user_type IN ({', '.join(repr(value) for value in USER_TYPES)})",
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("ck_users_user_type"), type_="check")
        batch.drop_column("user_type")
    op.drop_table("brand_kits")
