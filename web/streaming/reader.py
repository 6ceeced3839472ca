"""One open connection's side of the bus: turn the events it receives into messages for its reader."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from essaim.web.keys import DATABASE, URIS
from essaim.web.streaming.bus import Subscription
from essaim.web.streaming.delivery import Message, messages_for
from essaim.web.streaming.streams import Stream

log = logging.getLogger(__name__)


@dataclass
class Reader:
    """Who reads a connection (None: anonymous) and the streams they are subscribed to."""

    viewer_id: int | None
    streams: set[Stream] = field(default_factory=set)


async def messages(
    app: web.Application, subscription: Subscription, reader: Reader, heartbeat: float | None
) -> AsyncIterator[Message | None]:
    """The reader's messages as events arrive; `None` after each `heartbeat` seconds of silence (when given).

    Ends when the subscription closes (the reader fell too far behind, or the server is stopping).
    An event that cannot be rendered (the database away for a moment) is skipped, not fatal.
    """
    database, uris = app[DATABASE], app[URIS]
    while True:
        try:
            event = await asyncio.wait_for(subscription.next(), heartbeat)
        except TimeoutError:
            yield None
            continue
        if event is None:
            return
        if not reader.streams:
            continue
        try:
            async with database.session() as session:
                found = await messages_for(session, uris, event, reader.viewer_id, list(reader.streams))
        except (SQLAlchemyError, OSError):
            log.exception("streaming: could not render %s %s", event.kind, event.id)
            continue
        for message in found:
            yield message
