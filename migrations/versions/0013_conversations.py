"""Conversations: each person's threads of direct posts, and the posts in each.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=False),
        sa.Column("root_id", sa.BigInteger(), nullable=False),
        sa.Column("last_status_id", sa.BigInteger(), nullable=False),
        sa.Column("unread", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_conversations_actor_id_actors"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
        sa.UniqueConstraint("actor_id", "root_id", name=op.f("uq_conversations_actor_id")),
    )
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conversations_last_status_id"), ["last_status_id"], unique=False)

    op.create_table(
        "conversation_statuses",
        sa.Column("conversation_id", sa.BigInteger(), nullable=False),
        sa.Column("status_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_conversation_statuses_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["status_id"], ["statuses.id"], name=op.f("fk_conversation_statuses_status_id_statuses"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("conversation_id", "status_id", name=op.f("pk_conversation_statuses")),
    )
    with op.batch_alter_table("conversation_statuses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conversation_statuses_status_id"), ["status_id"], unique=False)


def downgrade() -> None:
    op.drop_table("conversation_statuses")
    op.drop_table("conversations")
