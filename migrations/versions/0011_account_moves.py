"""Account moves: actors' `alsoKnownAs` and `movedTo`.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("actors") as batch:
        batch.add_column(sa.Column("also_known_as", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("moved_to_uri", sa.String(length=2048), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("actors") as batch:
        batch.drop_column("moved_to_uri")
        batch.drop_column("also_known_as")
