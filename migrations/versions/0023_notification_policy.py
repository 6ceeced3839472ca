"""Notification policies, notification requests and permissions; `notifications.filtered`.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def _actor_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["actors.id"], name=op.f(f"fk_{table}_{column}_actors"), ondelete="CASCADE")


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("filtered", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "notification_policies",
        sa.Column("actor_id", sa.BigInteger(), nullable=False),
        *(
            sa.Column(name, sa.String(length=8), nullable=False)
            for name in (
                "for_not_following",
                "for_not_followers",
                "for_new_accounts",
                "for_private_mentions",
                "for_limited_accounts",
            )
        ),
        _actor_fk("notification_policies", "actor_id"),
        sa.PrimaryKeyConstraint("actor_id", name=op.f("pk_notification_policies")),
    )
    op.create_table(
        "notification_requests",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("recipient_id", sa.BigInteger(), nullable=False),
        sa.Column("from_actor_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _actor_fk("notification_requests", "recipient_id"),
        _actor_fk("notification_requests", "from_actor_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_requests")),
        sa.UniqueConstraint("recipient_id", "from_actor_id", name=op.f("uq_notification_requests_recipient_id")),
    )
    op.create_index(
        op.f("ix_notification_requests_from_actor_id"), "notification_requests", ["from_actor_id"], unique=False
    )
    op.create_table(
        "notification_permissions",
        sa.Column("recipient_id", sa.BigInteger(), nullable=False),
        sa.Column("from_actor_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _actor_fk("notification_permissions", "recipient_id"),
        _actor_fk("notification_permissions", "from_actor_id"),
        sa.PrimaryKeyConstraint("recipient_id", "from_actor_id", name=op.f("pk_notification_permissions")),
    )


def downgrade() -> None:
    op.drop_table("notification_permissions")
    op.drop_index(op.f("ix_notification_requests_from_actor_id"), table_name="notification_requests")
    op.drop_table("notification_requests")
    op.drop_table("notification_policies")
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("filtered")
