"""One open connection's side of the bus: turn the events it receives into messages for its reader."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from essaim.actors.events import Event
from essaim.web.api.auth import Token, token_still_valid
from essaim.web.keys import DATABASE, URIS
from essaim.web.streaming.bus import Subscription
from essaim.web.streaming.delivery import Message, messages_for
from essaim.web.streaming.shared import SHARED_POSTS
from essaim.web.streaming.streams import Stream

log = logging.getLogger(__name__)
TICK = Event("tick", 0, 0)  # a heartbeat's worth of silence (never published)


@dataclass
class Reader:
    """Who reads a connection: their token (None: anonymous) and the streams they are subscribed to."""

    token: Token | None
    streams: set[Stream] = field(default_factory=set)

    @property
    def viewer_id(self) -> int | None:
        return self.token.account.actor_id if self.token and self.token.account else None


async def messages(
    app: web.Application, subscription: Subscription, reader: Reader, heartbeat: float
) -> AsyncIterator[Message | None]:
    """The reader's messages as events arrive; `None` after each `heartbeat` seconds of silence.

    Ends when the subscription closes (the reader fell too far behind, or the server is stopping) and when
    the reader's token no longer stands (revoked, account disabled), checked every `heartbeat` seconds.
    An event that cannot be rendered (the database away for a moment) is skipped, not fatal.
    """
    database, uris, shared = app[DATABASE], app[URIS], app[SHARED_POSTS]
    clock = asyncio.get_running_loop().time
    checked = clock()
    while True:
        try:
            event = await asyncio.wait_for(subscription.next(), heartbeat)
        except TimeoutError:
            event = TICK
        if reader.token is not None and clock() - checked >= heartbeat:
            checked = clock()
            async with database.session() as session:
                if not await token_still_valid(session, reader.token):
                    return
        if event is None:
            return
        if event is TICK:
            yield None
            continue
        if not reader.streams:
            continue
        try:
            async with database.session() as session:
                found = await messages_for(session, shared, uris, event, reader.viewer_id, list(reader.streams))
        except (SQLAlchemyError, OSError):
            log.exception("streaming: could not render %s %s", event.kind, event.id)
            continue
        for message in found:
            yield message
