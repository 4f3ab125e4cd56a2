"""CHECK constraints on the status-like columns: the database refuses a value the code has no
meaning for

Revision ID: 0012
Revises: 0011

The values are written out here, not read from the models' enums: a migration states the
schema as it was at this revision. A later member needs a migration replacing its constraint.
SQLite cannot add a constraint to a table, so batch mode rebuilds those tables there.
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# table → column → allowed values (as in the models' enum_check at this revision)
CHECKS: dict[str, dict[str, tuple[str, ...]]] = {
    "users": {"plan": ("free", "starter", "creator", "agency")},
    "posts": {
        "status": ("draft", "scheduled", "publishing", "published", "failed"),
        "publish_state": ("sending", "retrying", "unconfirmed"),
        "origin": ("api", "bulk"),
    },
    "webhook_deliveries": {
        "status": ("pending", "succeeded", "failed"),
        "trigger": ("event", "redeliver", "test"),
    },
    "idempotency_keys": {"state": ("in_flight", "done")},
    "media_files": {"kind": ("image", "video")},
}


def _condition(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def upgrade() -> None:
    for table, columns in CHECKS.items():
        with op.batch_alter_table(table) as batch:
            for column, values in columns.items():
                batch.create_check_constraint(
                    op.f(f"ck_{table}_{column}"), _condition(column, values)
                )


def downgrade() -> None:
    for table, columns in reversed(CHECKS.items()):
        with op.batch_alter_table(table) as batch:
            for column in reversed(columns):
                batch.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")
