"""Custom emoji: the node's own and peers'.

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "custom_emojis",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("shortcode", sa.String(length=64), nullable=False),
        sa.Column("domain", sa.String(length=255), nullable=True),
        sa.Column("uri", sa.String(length=2048), nullable=True),
        sa.Column("image_url", sa.String(length=2048), nullable=True),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.Column("mime_type", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=True),
        sa.Column("visible_in_picker", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_emojis")),
    )
    op.create_index("ix_custom_emojis_domain_shortcode", "custom_emojis", ["domain", "shortcode"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_custom_emojis_domain_shortcode", table_name="custom_emojis")
    op.drop_table("custom_emojis")
