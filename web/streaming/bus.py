"""The event bus of one server process: committed changes (essaim.actors.events) fanned out to open streams.

Each open stream (an SSE response or a WebSocket) holds a `Subscription` with a bounded queue. A
subscriber that falls behind by more than its queue is not waited for and never grows memory: its
queue is emptied, it is marked overflowed and its connection is closed (a client reconnects and
reloads its timelines, as after any disconnection).

Where events come from: on SQLite (one server process) straight from `events.observe` after each commit,
and from the `stream_events` outbox, read every `OUTBOX_POLL_SECONDS`, for changes committed by the CLI
(essaim.actors.stream_outbox); on PostgreSQL from LISTEN on `events.CHANNEL`, so a change committed by any
process on the database (another `essaim run` behind the same load balancer, a CLI command) reaches this
process's streams too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
from aiohttp import web
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from essaim.actors import events, stream_outbox
from essaim.actors.events import Event
from essaim.db import Database
from essaim.web.keys import CONFIG, DATABASE
from essaim.web.streaming.shared import SHARED_POSTS, SharedPosts

log = logging.getLogger(__name__)
RECONNECT_SECONDS = 1.0  # after the LISTEN connection is lost
LISTEN_START_SECONDS = 30.0  # the server does not start without its LISTEN connection
OUTBOX_POLL_SECONDS = 0.5  # how soon a CLI change reaches streams on SQLite


class Subscription:
    """One open stream's inbox of events; `None` from `next()` means it was closed (overflow or shutdown)."""

    def __init__(self, size: int) -> None:
        self._queue: asyncio.Queue[Event | None] = asyncio.Queue(maxsize=size)
        self.overflowed = False
        self.closed = False

    def offer(self, event: Event) -> None:
        if self.closed:
            return
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed = True
            self.close()

    def close(self) -> None:
        """Drop what waits and wake the reader with the end marker."""
        if self.closed:
            return
        self.closed = True
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(None)

    async def next(self) -> Event | None:
        return await self._queue.get()

    @property
    def waiting(self) -> int:
        """Events (and the end marker) not read yet."""
        return self._queue.qsize()


class Bus:
    """In-process fan-out: every subscription gets every event; streams choose what their reader may see."""

    def __init__(self, queue_size: int) -> None:
        self.queue_size = queue_size
        self._subscriptions: set[Subscription] = set()

    def publish(self, event: Event) -> None:
        for subscription in list(self._subscriptions):
            subscription.offer(event)
            if subscription.closed:
                self._subscriptions.discard(subscription)

    @contextlib.contextmanager
    def subscribe(self) -> Iterator[Subscription]:
        """A subscription for the duration of a `with` block."""
        subscription = Subscription(self.queue_size)
        self._subscriptions.add(subscription)
        try:
            yield subscription
        finally:
            self._subscriptions.discard(subscription)
            subscription.close()

    def close_all(self) -> None:
        """At shutdown: end every open stream, so the server need not wait for them."""
        for subscription in list(self._subscriptions):
            subscription.close()
        self._subscriptions.clear()

    @property
    def subscribers(self) -> int:
        return len(self._subscriptions)


BUS = web.AppKey("stream_bus", Bus)


def _receive(bus: Bus) -> Any:
    def received(_connection: Any, _pid: int, _channel: str, payload: str) -> None:
        event = Event.decode(payload)
        if event is not None:
            bus.publish(event)

    return received


async def _listen_once(dsn: str, bus: Bus, ready: asyncio.Event) -> None:
    """LISTEN on one connection until it is lost."""
    connection = await asyncpg.connect(dsn)
    lost = asyncio.Event()
    connection.add_termination_listener(lambda _connection: lost.set())
    try:
        await connection.add_listener(events.CHANNEL, _receive(bus))
        ready.set()
        await lost.wait()
    finally:
        with contextlib.suppress(Exception):
            await connection.close(timeout=2)


async def _listen(dsn: str, bus: Bus, ready: asyncio.Event) -> None:
    """LISTEN for the database's events, reconnecting after a loss (events sent meanwhile are missed)."""
    while True:
        try:
            await _listen_once(dsn, bus, ready)
            log.warning("streaming: the LISTEN connection was lost; reconnecting")
        except (OSError, asyncpg.PostgresError):
            log.exception("streaming: cannot LISTEN on the database; retrying")
        await asyncio.sleep(RECONNECT_SECONDS)


async def publish_outbox(database: Database, bus: Bus) -> int:
    """Publish (and delete) what other processes left in the outbox; how many rows were taken."""
    async with database.session() as session:
        rows = await stream_outbox.waiting(session)
    if not rows:
        return 0
    async with database.transaction() as session:
        await stream_outbox.remove(session, [id_ for id_, _payload, _fresh in rows])
    for _id, payload, fresh in rows:
        event = Event.decode(payload) if fresh else None
        if event is not None:
            bus.publish(event)
    return len(rows)


async def _drain_outbox(database: Database, bus: Bus) -> None:
    """Poll the outbox (SQLite): at once again after a full batch, else after a short wait."""
    while True:
        try:
            taken = await publish_outbox(database, bus)
        except (OSError, SQLAlchemyError):
            log.exception("streaming: cannot read the stream event outbox; retrying")
            taken = 0
        if taken < stream_outbox.BATCH:
            await asyncio.sleep(OUTBOX_POLL_SECONDS)


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def streaming(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: the bus, fed by this process's commits and the outbox (SQLite) or by LISTEN (PostgreSQL)."""
    database = app[DATABASE]
    bus = app[BUS] = Bus(app[CONFIG].streaming.queue_size)
    app[SHARED_POSTS] = SharedPosts()
    engine = database.engine.sync_engine
    stop_observing = events.observe(engine, bus.publish)
    feeder: asyncio.Task[None] | None = None  # other processes' events: LISTEN or the outbox
    try:
        if engine.dialect.name == "postgresql":
            ready = asyncio.Event()
            feeder = asyncio.create_task(_listen(_asyncpg_dsn(database.url), bus, ready), name="streaming LISTEN")
            await asyncio.wait_for(ready.wait(), timeout=LISTEN_START_SECONDS)  # serve nothing that could be missed
        else:
            feeder = asyncio.create_task(_drain_outbox(database, bus), name="streaming outbox")
        yield
    finally:
        stop_observing()
        bus.close_all()
        if feeder is not None:
            feeder.cancel()
            await asyncio.gather(feeder, return_exceptions=True)


async def close_streams(app: web.Application) -> None:
    """On shutdown, before the server waits for handlers: open streams end now."""
    app[BUS].close_all()
