"""`statuses.in_reply_to_uri`: the parent a reply names, kept until the parent is stored (late parents).

Filled for replies whose parent is stored (its uri) and for replies still waiting on a `thread.parent`
job (the uri the job would fetch), in batches.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-08
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

BATCH = 1000
statuses = sa.table(
    "statuses",
    sa.column("id", sa.BigInteger()),
    sa.column("uri", sa.String()),
    sa.column("in_reply_to_id", sa.BigInteger()),
    sa.column("in_reply_to_uri", sa.String()),
)
jobs = sa.table("jobs", sa.column("id", sa.BigInteger()), sa.column("kind", sa.String()), sa.column("payload", sa.JSON()))


def upgrade() -> None:
    with op.batch_alter_table("statuses") as batch:
        batch.add_column(sa.Column("in_reply_to_uri", sa.String(length=2048), nullable=True))
        batch.create_index(batch.f("ix_statuses_in_reply_to_uri"), ["in_reply_to_uri"], unique=False)
    connection = op.get_bind()
    parents = statuses.alias("parents")
    parent_uri = sa.select(parents.c.uri).where(parents.c.id == statuses.c.in_reply_to_id).scalar_subquery()
    connection.execute(
        sa.update(statuses)
        .where(statuses.c.in_reply_to_id.is_not(None), statuses.c.in_reply_to_uri.is_(None))
        .values(in_reply_to_uri=parent_uri)
    )
    last = 0
    while True:  # replies whose parent a backfill job is still to fetch
        rows = connection.execute(
            sa.select(jobs.c.id, jobs.c.payload)
            .where(jobs.c.kind == "thread.parent", jobs.c.id > last)
            .order_by(jobs.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        last = rows[-1].id
        for row in rows:
            payload = json.loads(row.payload) if isinstance(row.payload, str) else row.payload
            reply_id, uri = (payload or {}).get("reply_id"), (payload or {}).get("parent_uri")
            if isinstance(reply_id, int) and isinstance(uri, str):
                connection.execute(
                    sa.update(statuses)
                    .where(statuses.c.id == reply_id, statuses.c.in_reply_to_uri.is_(None))
                    .values(in_reply_to_uri=uri)
                )


def downgrade() -> None:
    with op.batch_alter_table("statuses") as batch:
        batch.drop_index(batch.f("ix_statuses_in_reply_to_uri"))
        batch.drop_column("in_reply_to_uri")
