"""Personal domain blocks and conversation mutes.

Revision ID: 0022
Revises: 0020
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_domain_blocks",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=False),
        sa.Column("domain", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_account_domain_blocks_actor_id_actors"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_domain_blocks")),
        sa.UniqueConstraint("actor_id", "domain", name=op.f("uq_account_domain_blocks_actor_id")),
    )
    op.create_table(
        "conversation_mutes",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=False),
        sa.Column("root_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_conversation_mutes_actor_id_actors"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_mutes")),
        sa.UniqueConstraint("actor_id", "root_id", name=op.f("uq_conversation_mutes_actor_id")),
    )


def downgrade() -> None:
    op.drop_table("conversation_mutes")
    op.drop_table("account_domain_blocks")
