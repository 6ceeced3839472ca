"""Scheduled posts (and the media they hold), announcements with dismissals and reactions, dismissed suggestions.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduled_statuses",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("application_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_scheduled_statuses_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["oauth_applications.id"],
            name=op.f("fk_scheduled_statuses_application_id_oauth_applications"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_statuses")),
    )
    with op.batch_alter_table("scheduled_statuses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scheduled_statuses_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_scheduled_statuses_scheduled_at"), ["scheduled_at"], unique=False)

    with op.batch_alter_table("media_attachments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scheduled_status_id", sa.BigInteger(), nullable=True))
        batch_op.create_index(batch_op.f("ix_media_attachments_scheduled_status_id"), ["scheduled_status_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_media_attachments_scheduled_status_id_scheduled_statuses"),
            "scheduled_statuses",
            ["scheduled_status_id"],
            ["id"],
            ondelete="SET NULL",
        )

    op.create_table(
        "announcements",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("all_day", sa.Boolean(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
    )
    for table in ("announcement_dismissals", "announcement_reactions"):
        reactions = table == "announcement_reactions"
        op.create_table(
            table,
            sa.Column("announcement_id", sa.BigInteger(), nullable=False),
            sa.Column("account_id", sa.BigInteger(), nullable=False),
            *([sa.Column("name", sa.String(length=64), nullable=False)] if reactions else []),
            *([sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)] if reactions else []),
            sa.ForeignKeyConstraint(
                ["account_id"], ["accounts.id"], name=op.f(f"fk_{table}_account_id_accounts"), ondelete="CASCADE"
            ),
            sa.ForeignKeyConstraint(
                ["announcement_id"],
                ["announcements.id"],
                name=op.f(f"fk_{table}_announcement_id_announcements"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("announcement_id", "account_id", *(["name"] if reactions else []), name=op.f(f"pk_{table}")),
        )

    op.create_table(
        "suggestion_dismissals",
        sa.Column("actor_id", sa.BigInteger(), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_suggestion_dismissals_actor_id_actors"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["target_id"], ["actors.id"], name=op.f("fk_suggestion_dismissals_target_id_actors"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("actor_id", "target_id", name=op.f("pk_suggestion_dismissals")),
    )


def downgrade() -> None:
    op.drop_table("suggestion_dismissals")
    op.drop_table("announcement_reactions")
    op.drop_table("announcement_dismissals")
    op.drop_table("announcements")
    with op.batch_alter_table("media_attachments", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_media_attachments_scheduled_status_id_scheduled_statuses"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_media_attachments_scheduled_status_id"))
        batch_op.drop_column("scheduled_status_id")
    with op.batch_alter_table("scheduled_statuses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scheduled_statuses_scheduled_at"))
        batch_op.drop_index(batch_op.f("ix_scheduled_statuses_account_id"))
    op.drop_table("scheduled_statuses")
