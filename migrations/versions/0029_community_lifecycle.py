"""Community lifecycle and auto-membership: the end date reminded of, members admitted by a rule, the rules.

Revision ID: 0029
Revises: 0027
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminded_for", sa.Date(), nullable=True))
    with op.batch_alter_table("community_members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("by_rule", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "community_rules",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("community_id", sa.BigInteger(), nullable=False),
        sa.Column("attribute", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.actor_id"],
            name=op.f("fk_community_rules_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_rules")),
        sa.UniqueConstraint("community_id", "attribute", "value", name=op.f("uq_community_rules_community_id")),
    )
    with op.batch_alter_table("community_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_community_rules_community_id"), ["community_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("community_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_community_rules_community_id"))
    op.drop_table("community_rules")
    with op.batch_alter_table("community_members", schema=None) as batch_op:
        batch_op.drop_column("by_rule")
    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.drop_column("reminded_for")
