"""A post's hydration done once per event, shared by every open stream that shows it.

Every reader of a new post needs the same counts, media, account and poll (actors/hydrate.py's
`load_posts`); only their own marks, filters and the streams it belongs on differ, and those stay
per reader (web/streaming/delivery.py). The first reader to need an event's post loads it in its
own session (a session of its own could wait for a connection the waiting readers hold); the others
wait for that load, and load the post themselves if it failed or its reader went away.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.events import Event
from essaim.actors.hydrate import StatusData, load_posts
from essaim.actors.models import Status

RECENT_EVENTS = 256  # loads kept: readers behind by more load the post again, as they would alone


class SharedPosts:
    """Loads keyed by the event object itself, not its value: two edits of one post are two events."""

    def __init__(self) -> None:
        self._loads: OrderedDict[int, tuple[Event, asyncio.Future[list[StatusData]]]] = OrderedDict()

    async def of(self, session: AsyncSession, event: Event) -> list[StatusData]:
        """The event's post hydrated for nobody in particular ([] once deleted); never mutate it."""
        entry = self._loads.get(id(event))
        if entry is not None and entry[0] is event:
            await asyncio.wait([entry[1]])  # raises only if this reader is cancelled, not if the loader was
            if not entry[1].cancelled():
                return entry[1].result()
        future: asyncio.Future[list[StatusData]] = asyncio.get_running_loop().create_future()
        self._loads[id(event)] = (event, future)  # the event is held with it, so its id() is not reused meanwhile
        while len(self._loads) > RECENT_EVENTS:
            self._loads.popitem(last=False)
        try:
            status = await session.get(Status, event.id)
            page = [] if status is None else await load_posts(session, [status])
        except BaseException:
            future.cancel()  # the readers waiting load it themselves
            raise
        future.set_result(page)
        return page


SHARED_POSTS = web.AppKey("shared_posts", SharedPosts)
