"""Featured collections (pinned posts across servers) and FEP-8fcf followers synchronization.

`actors.featured_uri`: a person's featured collection (ours under their id, a peer's as its actor
document names it); `actors.followers_synced_at`: when a peer's partial followers collection was last
fetched, so a peer that keeps disagreeing is fetched at most once per interval.

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("actors") as batch:
        batch.add_column(sa.Column("featured_uri", sa.String(length=2048), nullable=True))
        batch.add_column(sa.Column("followers_synced_at", sa.DateTime(timezone=True), nullable=True))
    # Local people (the node's Application actor has no followers collection, and no featured one).
    op.execute(
        "UPDATE actors SET featured_uri = uri || '/collections/featured' "
        "WHERE domain IS NULL AND followers_uri IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("actors") as batch:
        batch.drop_column("followers_synced_at")
        batch.drop_column("featured_uri")
