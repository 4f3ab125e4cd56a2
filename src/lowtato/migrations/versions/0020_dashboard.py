"""dashboard: password hashes, sign-in sessions and one-time sign-in links

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lowtato.kit.db

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def _when(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, lowtato.kit.db.UTCDateTime(timezone=True), nullable=nullable)


def _owner(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "dashboard_passwords",
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        _when("updated_at"),
        _owner("dashboard_passwords"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_dashboard_passwords")),
    )
    for table, token_columns in (
        (
            "dashboard_sessions",
            [
                sa.Column("csrf_token", sa.String(length=64), nullable=False),
                sa.Column("livemode", sa.Boolean(), nullable=False),
                _when("created_at"),
                _when("expires_at"),
            ],
        ),
        ("dashboard_sign_in_links", [_when("expires_at"), _when("used_at", nullable=True)]),
    ):
        op.create_table(
            table,
            sa.Column("token_hash", sa.String(length=64), nullable=False),
            sa.Column("user_id", sa.String(length=40), nullable=False),
            *token_columns,
            _owner(table),
            sa.PrimaryKeyConstraint("token_hash", name=op.f(f"pk_{table}")),
        )
        op.create_index(op.f(f"ix_{table}_user_id"), table, ["user_id"], unique=False)


def downgrade() -> None:
    for table in ("dashboard_sign_in_links", "dashboard_sessions"):
        op.drop_index(op.f(f"ix_{table}_user_id"), table_name=table)
        op.drop_table(table)
    op.drop_table("dashboard_passwords")
