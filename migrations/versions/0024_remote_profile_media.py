"""Peers' avatars, headers and emoji images cached on first view.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "remote_images",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("url_digest", sa.String(length=64), nullable=False),
        sa.Column("remote_url", sa.String(length=2048), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("mime_type", sa.String(length=100), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.Column("preview_file_name", sa.String(length=255), nullable=True),
        sa.Column("width", sa.BigInteger(), nullable=True),
        sa.Column("height", sa.BigInteger(), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remote_images")),
        sa.UniqueConstraint("url_digest", name=op.f("uq_remote_images_url_digest")),
    )


def downgrade() -> None:
    op.drop_table("remote_images")
