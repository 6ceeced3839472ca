"""`GET /api/v1/bookmarks`: the caller's bookmarked posts."""

from __future__ import annotations

from aiohttp import web

from essaim.actors.models import Bookmark
from essaim.web.api.saved import marked_posts

routes = web.RouteTableDef()


@routes.get("/api/v1/bookmarks")
async def index(request: web.Request) -> web.Response:
    return await marked_posts(request, Bookmark, "read:bookmarks")
