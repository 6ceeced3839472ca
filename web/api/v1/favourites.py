"""`GET /api/v1/favourites`: the caller's favourited posts."""

from __future__ import annotations

from aiohttp import web

from essaim.actors.models import Favourite
from essaim.web.api.saved import marked_posts

routes = web.RouteTableDef()


@routes.get("/api/v1/favourites")
async def index(request: web.Request) -> web.Response:
    return await marked_posts(request, Favourite, "read:favourites")
