"""`/api/v1/markers`: where the caller stopped reading home and notifications, so their apps agree.

Each save bumps `version`; apps compare it to notice another app saved in between.
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from essaim.actors.models import Marker
from essaim.actors.models.base import utcnow
from essaim.web.api.auth import authenticate
from essaim.web.api.entities.common import timestamp
from essaim.web.api.params import Params
from essaim.web.keys import DATABASE

routes = web.RouteTableDef()
TIMELINES = ("home", "notifications")


def _render(markers: list[Marker]) -> dict[str, object]:
    return {
        m.timeline: {"last_read_id": str(m.last_read_id), "version": m.version, "updated_at": timestamp(m.updated_at)}
        for m in markers
    }


async def _load(request: web.Request, actor_id: int, timelines: list[str]) -> list[Marker]:
    async with request.app[DATABASE].session() as session:
        query = select(Marker).where(Marker.actor_id == actor_id, Marker.timeline.in_(timelines))
        return list((await session.scalars(query)).all())


@routes.get("/api/v1/markers")
async def index(request: web.Request) -> web.Response:
    token = await authenticate(request, "read:statuses")
    asked = [t for t in (await Params.of(request)).many("timeline") if t in TIMELINES]
    return web.json_response(_render(await _load(request, token.user.actor_id, asked)))


@routes.post("/api/v1/markers")
async def save(request: web.Request) -> web.Response:
    token = await authenticate(request, "write:statuses")
    params = await Params.of(request)
    actor_id = token.user.actor_id
    saved = []
    async with request.app[DATABASE].transaction() as session:
        for timeline in TIMELINES:
            last_read_id = params.id(f"{timeline}[last_read_id]")
            if last_read_id is None:
                continue
            marker = await session.get(Marker, (actor_id, timeline), with_for_update=True)
            if marker is None:
                marker = Marker(actor_id=actor_id, timeline=timeline, last_read_id=last_read_id, version=0)
                session.add(marker)
            else:
                marker.last_read_id, marker.version = last_read_id, marker.version + 1
            marker.updated_at = utcnow()
            saved.append(timeline)
    return web.json_response(_render(await _load(request, actor_id, saved)))
