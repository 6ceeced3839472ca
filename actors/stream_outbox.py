"""The stream event outbox: how a change committed by a process without a stream bus reaches live streams.

On SQLite the server's bus lives in the server process and nothing crosses processes, so a process without
one (the CLI: `essaim announcement add`, `essaim user move`…) writes its events to `stream_events` in the
transaction that makes the change, and the server takes them out a moment later and publishes them
(web/streaming/bus.py). A rollback writes nothing. On PostgreSQL this table stays empty: every process
NOTIFYs in its transaction, and every server LISTENs (essaim.actors.events).

Streams are live: a row the server finds more than `STALE` old (written while no server ran) is deleted
unpublished — whoever opens a stream later reads that change through the REST API.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import StreamEvent
from essaim.actors.models.base import utcnow

STALE = timedelta(minutes=1)
BATCH = 500  # rows taken at a time


def record(connection: Connection, payloads: Sequence[str]) -> None:
    """Write encoded events in the caller's transaction (called while its session flushes or commits)."""
    now = utcnow()
    connection.execute(insert(StreamEvent), [{"payload": payload, "created_at": now} for payload in payloads])


async def waiting(session: AsyncSession) -> list[tuple[int, str, bool]]:
    """The oldest rows waiting: (id, encoded event, whether it is still fresh enough to publish)."""
    oldest_fresh = utcnow() - STALE
    rows = await session.execute(
        select(StreamEvent.id, StreamEvent.payload, StreamEvent.created_at).order_by(StreamEvent.id).limit(BATCH)
    )
    return [(id_, payload, created_at >= oldest_fresh) for id_, payload, created_at in rows]


async def remove(session: AsyncSession, ids: Sequence[int]) -> None:
    """Forget rows once taken (published or stale)."""
    await session.execute(delete(StreamEvent).where(StreamEvent.id.in_(ids)))
