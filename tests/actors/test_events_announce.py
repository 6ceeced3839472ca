"""Events an action announces (essaim.actors.events.announce): sent once, at commit, and never after a rollback.

On SQLite the observer publishes them itself after the commit; on PostgreSQL they travel as NOTIFY, so a
LISTEN connection of the test's own receives them, as every server process does.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from essaim.actors import events
from essaim.actors.events import FILTERS_CHANGED, Event, announce
from essaim.db import Database


@contextlib.asynccontextmanager
async def received_events(database: Database) -> AsyncIterator[list[Event]]:
    """The events the database's commits publish, in order, while the block runs."""
    received: list[Event] = []
    engine = database.engine.sync_engine
    stop = events.observe(engine, received.append)
    connection = None
    if engine.dialect.name == "postgresql":
        dsn = make_url(database.url).set(drivername="postgresql").render_as_string(hide_password=False)
        connection = await asyncpg.connect(dsn)

        def heard(_connection: object, _pid: int, _channel: str, payload: str) -> None:
            event = Event.decode(payload)
            if event is not None:
                received.append(event)

        await connection.add_listener(events.CHANNEL, heard)
    try:
        yield received
    finally:
        stop()
        if connection is not None:
            await connection.close()


async def test_announced_events_go_once_at_commit_and_not_after_a_rollback(database: Database) -> None:
    async with received_events(database) as received:
        async with database.transaction() as session:
            await session.execute(select(1))
            announce(session, Event(FILTERS_CHANGED, 7, 7))
            announce(session, Event(FILTERS_CHANGED, 7, 7))
            assert received == [], "nothing before the commit"
        with pytest.raises(RuntimeError):
            async with database.transaction() as session:
                announce(session, Event(FILTERS_CHANGED, 8, 8))
                raise RuntimeError("rolled back")
        async with database.transaction() as session:  # a fence, in a transaction that ran no statement
            announce(session, Event(FILTERS_CHANGED, 9, 9))
        async with asyncio.timeout(10):
            while not any(event.actor_id == 9 for event in received):
                await asyncio.sleep(0.05)
        assert [event.actor_id for event in received] == [7, 9]
