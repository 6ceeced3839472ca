"""Web Push subscriptions.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "push_subscriptions",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("token_id", sa.BigInteger(), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=False),
        sa.Column("endpoint", sa.Text(), nullable=False),
        sa.Column("key_p256dh", sa.String(length=128), nullable=False),
        sa.Column("key_auth", sa.String(length=64), nullable=False),
        sa.Column("alerts", sa.JSON(), nullable=False),
        sa.Column("policy", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_push_subscriptions_actor_id_actors"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["oauth_tokens.id"],
            name=op.f("fk_push_subscriptions_token_id_oauth_tokens"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_push_subscriptions")),
        sa.UniqueConstraint("token_id", name=op.f("uq_push_subscriptions_token_id")),
    )
    op.create_index("ix_push_subscriptions_actor_id", "push_subscriptions", ["actor_id"])


def downgrade() -> None:
    op.drop_index("ix_push_subscriptions_actor_id", table_name="push_subscriptions")
    op.drop_table("push_subscriptions")
