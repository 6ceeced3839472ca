"""`/api/v1/scheduled_statuses`, and `POST /api/v1/statuses` with `scheduled_at` (called from statuses.py).

A scheduled post is its author's alone: anyone else's answers 404. The scheduler's sweep
(web/scheduler.py) publishes it when it falls due; outbox/actions/scheduled.py says how.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import MediaAttachment, ScheduledStatus
from essaim.actors.models.base import utcnow
from essaim.actors.paging import newest_first, windowed
from essaim.outbox.actions.scheduled import (
    check_schedule_status,
    do_cancel_scheduled,
    do_reschedule,
    do_schedule_status,
    own_scheduled,
)
from essaim.outbox.actions.statuses import StatusDraft
from essaim.web.api.auth import Token, authenticate
from essaim.web.api.entities.scheduled import render_scheduled
from essaim.web.api.node import local_node
from essaim.web.api.pagination import page_request
from essaim.web.api.params import Params, parse_id
from essaim.web.api.render import page_response
from essaim.web.errors import ApiError
from essaim.web.keys import DATABASE, URIS

routes = web.RouteTableDef()
SCHEDULED = r"/api/v1/scheduled_statuses/{id:\d+}"


async def _json(request: web.Request, session: AsyncSession, rows: Sequence[ScheduledStatus]) -> list[object]:
    """Render a page of scheduled posts with their media, in one query."""
    ids = [row.id for row in rows]
    held = await session.scalars(select(MediaAttachment).where(MediaAttachment.scheduled_status_id.in_(ids)))
    by_id = {m.id: m for m in held}
    uris = request.app[URIS]
    return [
        render_scheduled(row, [by_id[int(i)] for i in row.params.get("media_ids") or [] if int(i) in by_id], uris)
        for row in rows
    ]


async def schedule(request: web.Request, token: Token, draft: StatusDraft, scheduled_at: datetime) -> web.Response:
    """Keep a post for later: every check a post gets now, then the row; answers a ScheduledStatus."""
    author = token.user
    async with request.app[DATABASE].transaction() as session:
        await check_schedule_status(session, author, draft, local_node(request), scheduled_at, utcnow())
        made = await do_schedule_status(session, author, draft, scheduled_at, token.application_id)
        return web.json_response((await _json(request, session, [made]))[0])


@routes.get("/api/v1/scheduled_statuses")
async def index(request: web.Request) -> web.Response:
    token = await authenticate(request, "read:statuses")
    window = page_request(await Params.of(request))
    query = select(ScheduledStatus).where(ScheduledStatus.account_id == token.user.id)
    async with request.app[DATABASE].session() as session:
        rows = newest_first(
            list(await session.scalars(windowed(query, ScheduledStatus.id, window))), window, lambda r: r.id
        )
        return page_response(request, await _json(request, session, rows), [row.id for row in rows])


@routes.get(SCHEDULED)
async def show(request: web.Request) -> web.Response:
    token = await authenticate(request, "read:statuses")
    async with request.app[DATABASE].session() as session:
        found = await own_scheduled(session, token.user, parse_id(request.match_info["id"]))
        return web.json_response((await _json(request, session, [found]))[0])


@routes.put(SCHEDULED)
async def update(request: web.Request) -> web.Response:
    token = await authenticate(request, "write:statuses")
    scheduled_at = (await Params.of(request)).moment("scheduled_at")
    if scheduled_at is None:
        raise ApiError(422, "scheduled_at is required")
    async with request.app[DATABASE].transaction() as session:
        found = await own_scheduled(session, token.user, parse_id(request.match_info["id"]))
        await do_reschedule(session, token.user, found, scheduled_at, utcnow())
        return web.json_response((await _json(request, session, [found]))[0])


@routes.delete(SCHEDULED)
async def cancel(request: web.Request) -> web.Response:
    token = await authenticate(request, "write:statuses")
    async with request.app[DATABASE].transaction() as session:
        await do_cancel_scheduled(session, await own_scheduled(session, token.user, parse_id(request.match_info["id"])))
    return web.json_response({})
