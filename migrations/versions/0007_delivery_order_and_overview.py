"""Delivery order and overview: what a delivery is about (kept in order per inbox); per host, last success and failure.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("host_health", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject_uri", sa.String(length=2048), nullable=True))
        batch_op.create_index("ix_deliveries_subject_uri", ["subject_uri"], unique=False)
        batch_op.create_index("ix_deliveries_host_state", ["host", "state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_host_state")
        batch_op.drop_index("ix_deliveries_subject_uri")
        batch_op.drop_column("subject_uri")
    with op.batch_alter_table("host_health", schema=None) as batch_op:
        batch_op.drop_column("last_failure_at")
        batch_op.drop_column("last_success_at")
