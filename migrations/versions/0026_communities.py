"""Communities: the community beside its Group actor, its members, and the community a post is in.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "communities",
        sa.Column("actor_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("access", sa.String(length=16), nullable=False),
        sa.Column("template", sa.String(length=32), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("charter", sa.Text(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("welcome_message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_communities_actor_id_actors"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("actor_id", name=op.f("pk_communities")),
    )
    op.create_table(
        "community_members",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("community_id", sa.BigInteger(), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("rules_accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_community_members_actor_id_actors"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.actor_id"],
            name=op.f("fk_community_members_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_members")),
        sa.UniqueConstraint("community_id", "actor_id", name=op.f("uq_community_members_community_id")),
    )
    with op.batch_alter_table("community_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_community_members_actor_id"), ["actor_id"], unique=False)
    with op.batch_alter_table("statuses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("community_id", sa.BigInteger(), nullable=True))
        batch_op.create_index(batch_op.f("ix_statuses_community_id"), ["community_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_statuses_community_id_actors"), "actors", ["community_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("statuses", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_statuses_community_id_actors"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_statuses_community_id"))
        batch_op.drop_column("community_id")
    with op.batch_alter_table("community_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_community_members_actor_id"))
    op.drop_table("community_members")
    op.drop_table("communities")
