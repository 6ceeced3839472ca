"""Tombstones of local posts too: what each deleted post was, for the `Tombstone` its id answers with 410.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tombstones") as batch:
        batch.add_column(sa.Column("former_type", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tombstones") as batch:
        batch.drop_column("former_type")
