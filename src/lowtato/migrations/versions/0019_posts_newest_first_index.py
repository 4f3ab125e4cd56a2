"""posts: an index for GET /api/v1/posts (an owner's posts, newest first)

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Without it, listing sorts every post the owner ever made to return the newest 20.
    op.create_index("ix_posts_owner_created", "posts", ["owner_id", "livemode", "created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_posts_owner_created", table_name="posts")
