"""Lists of posts a person marked (bookmarks, favourites), paged by when they marked them."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from essaim.actors.models import Bookmark, Favourite, Status
from essaim.actors.paging import newest_first, windowed
from essaim.actors.visibility import visible_to
from essaim.web.api.auth import authenticate
from essaim.web.api.pagination import page_request
from essaim.web.api.params import Params
from essaim.web.api.render import page_response, statuses_json
from essaim.web.keys import DATABASE


async def marked_posts(request: web.Request, mark: type[Bookmark] | type[Favourite], scope: str) -> web.Response:
    """The caller's marked posts still visible to them, newest mark first; `Link` cursors are mark ids."""
    token = await authenticate(request, scope)
    viewer = token.user.actor_id
    window = page_request(await Params.of(request))
    query = (
        select(mark.id, Status)
        .join(Status, Status.id == mark.status_id)
        .where(mark.actor_id == viewer, visible_to(viewer))
    )
    async with request.app[DATABASE].session() as session:
        rows = list((await session.execute(windowed(query, mark.id, window))).all())
        rows = newest_first(rows, window, key=lambda row: row[0])
        items = await statuses_json(request, session, [status for _, status in rows], viewer)
    return page_response(request, items, [mark_id for mark_id, _ in rows])
