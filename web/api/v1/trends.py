"""`/api/v1/trends/tags` (and its old name `/api/v1/trends`), `/trends/statuses`, `/trends/links`: what is
trending on this node (actors/trends.py), for anyone. Links are always empty: posts get no link previews yet.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from essaim.actors.models.base import utcnow
from essaim.actors.trends import TrendingTag, trending_statuses, trending_tags
from essaim.uris import LocalURIs
from essaim.web.api.auth import optional_account
from essaim.web.api.params import Params
from essaim.web.api.render import statuses_json
from essaim.web.keys import DATABASE, URIS

routes = web.RouteTableDef()


def _render_tag(trending: TrendingTag, uris: LocalURIs) -> dict[str, Any]:
    history = [
        {"day": str(int(use.day.timestamp())), "uses": str(use.uses), "accounts": str(use.accounts)}
        for use in trending.history
    ]
    return {
        "id": str(trending.tag.id),
        "name": trending.tag.display_name,
        "url": uris.tag_page(trending.tag.name),
        "history": history,
    }


async def _page(request: web.Request, default: int, maximum: int) -> tuple[int, int]:
    params = await Params.of(request)
    limit = min(params.integer("limit", default, minimum=1) or default, maximum)
    return params.integer("offset", 0, minimum=0) or 0, limit


@routes.get("/api/v1/trends")
@routes.get("/api/v1/trends/tags")
async def tags(request: web.Request) -> web.Response:
    offset, limit = await _page(request, 10, 20)
    async with request.app[DATABASE].session() as session:
        found = await trending_tags(session, utcnow(), offset, limit)
    return web.json_response([_render_tag(t, request.app[URIS]) for t in found])


@routes.get("/api/v1/trends/statuses")
async def statuses(request: web.Request) -> web.Response:
    offset, limit = await _page(request, 20, 40)
    account = await optional_account(request, "read:statuses")
    viewer = account.actor_id if account else None
    async with request.app[DATABASE].session() as session:
        found = await trending_statuses(session, utcnow(), viewer, offset, limit)
        return web.json_response(await statuses_json(request, session, found, viewer))


@routes.get("/api/v1/trends/links")
async def links(request: web.Request) -> web.Response:
    await _page(request, 10, 20)  # the same parameters are accepted (and checked)
    return web.json_response([])
