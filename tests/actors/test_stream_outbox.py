"""The stream event outbox: a process without the bus (the CLI) writes its events in its own transaction on
SQLite (NOTIFY on PostgreSQL, nothing in the table), a rollback writes none, and the server publishes fresh
rows, drops stale ones unpublished and deletes both.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from essaim.actors import events, stream_outbox
from essaim.actors.events import ANNOUNCEMENT, ANNOUNCEMENT_DELETE, FILTERS_CHANGED, Event, announce
from essaim.actors.models import Announcement, StreamEvent
from essaim.actors.models.base import utcnow
from essaim.db import Database
from essaim.web.streaming.bus import Bus, publish_outbox


async def test_a_process_without_the_bus_writes_its_events_with_its_change(database: Database) -> None:
    engine = database.engine.sync_engine
    stop = events.observe(engine, None)
    try:
        async with database.transaction() as session:
            session.add(Announcement(text="outbox-1", content="<p>outbox-1</p>"))
        with pytest.raises(RuntimeError):
            async with database.transaction() as session:
                announce(session, Event(FILTERS_CHANGED, 8, 8))
                raise RuntimeError("rolled back")
        async with database.session() as session:
            rows = await stream_outbox.waiting(session)
    finally:
        stop()
    if engine.dialect.name == "postgresql":
        assert rows == [], "on PostgreSQL the process NOTIFYs instead"
        return
    [(_id, payload, fresh)] = rows
    decoded = Event.decode(payload)
    assert decoded is not None and decoded.kind == ANNOUNCEMENT and fresh


async def test_the_server_publishes_fresh_rows_and_drops_stale_ones(database: Database) -> None:
    fresh, stale = Event(ANNOUNCEMENT, 1, 0), Event(ANNOUNCEMENT_DELETE, 2, 0)
    async with database.transaction() as session:
        await session.execute(
            insert(StreamEvent),
            [
                {"payload": stale.encode(), "created_at": utcnow() - stream_outbox.STALE - timedelta(seconds=1)},
                {"payload": fresh.encode(), "created_at": utcnow()},
                {"payload": '["from a newer version", 3, 0, "", []]', "created_at": utcnow()},
            ],
        )
    bus = Bus(queue_size=8)
    with bus.subscribe() as subscription:
        assert await publish_outbox(database, bus) == 3
        assert subscription.waiting == 1 and await subscription.next() == fresh
        assert await publish_outbox(database, bus) == 0, "nothing is published twice"
    async with database.session() as session:
        assert await session.scalar(select(func.count()).select_from(StreamEvent)) == 0
