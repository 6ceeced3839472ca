"""Mutes, personal notes, endorsements, followed hashtags, featured hashtags.

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mutes",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=False),
        sa.Column("notifications", sa.Boolean(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["actors.id"], name=op.f("fk_mutes_actor_id_actors"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["target_id"], ["actors.id"], name=op.f("fk_mutes_target_id_actors"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mutes")),
        sa.UniqueConstraint("actor_id", "target_id", name=op.f("uq_mutes_actor_id")),
    )

    with op.batch_alter_table("mutes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mutes_target_id"), ["target_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mutes_expires_at"), ["expires_at"], unique=False)

    op.create_table(
        "account_notes",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_account_notes_actor_id_actors"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["target_id"], ["actors.id"], name=op.f("fk_account_notes_target_id_actors"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_notes")),
        sa.UniqueConstraint("actor_id", "target_id", name=op.f("uq_account_notes_actor_id")),
    )

    with op.batch_alter_table("account_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_notes_target_id"), ["target_id"], unique=False)

    op.create_table(
        "endorsements",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=False),
        sa.Column("follow_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_endorsements_actor_id_actors"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["target_id"], ["actors.id"], name=op.f("fk_endorsements_target_id_actors"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["follow_id"], ["follows.id"], name=op.f("fk_endorsements_follow_id_follows"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_endorsements")),
        sa.UniqueConstraint("actor_id", "target_id", name=op.f("uq_endorsements_actor_id")),
    )

    with op.batch_alter_table("endorsements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_endorsements_target_id"), ["target_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_endorsements_follow_id"), ["follow_id"], unique=False)

    op.create_table(
        "tag_follows",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=False),
        sa.Column("tag_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_tag_follows_actor_id_actors"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["tag_id"], ["tags.id"], name=op.f("fk_tag_follows_tag_id_tags"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tag_follows")),
        sa.UniqueConstraint("actor_id", "tag_id", name=op.f("uq_tag_follows_actor_id")),
    )

    with op.batch_alter_table("tag_follows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tag_follows_tag_id"), ["tag_id"], unique=False)

    op.create_table(
        "featured_tags",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=False),
        sa.Column("tag_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_featured_tags_actor_id_actors"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["tag_id"], ["tags.id"], name=op.f("fk_featured_tags_tag_id_tags"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_featured_tags")),
        sa.UniqueConstraint("actor_id", "tag_id", name=op.f("uq_featured_tags_actor_id")),
    )

    with op.batch_alter_table("featured_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_featured_tags_tag_id"), ["tag_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("featured_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_featured_tags_tag_id"))
    op.drop_table("featured_tags")
    with op.batch_alter_table("tag_follows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tag_follows_tag_id"))
    op.drop_table("tag_follows")
    with op.batch_alter_table("endorsements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_endorsements_follow_id"))
        batch_op.drop_index(batch_op.f("ix_endorsements_target_id"))
    op.drop_table("endorsements")
    with op.batch_alter_table("account_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_notes_target_id"))
    op.drop_table("account_notes")
    with op.batch_alter_table("mutes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mutes_expires_at"))
        batch_op.drop_index(batch_op.f("ix_mutes_target_id"))
    op.drop_table("mutes")
