"""`/api/v2/filters`: none exist until client API part 2, so the list is empty and no filter is found."""

from __future__ import annotations

from aiohttp import web

from essaim.web.api.auth import authenticate
from essaim.web.errors import ApiError

routes = web.RouteTableDef()


@routes.get("/api/v2/filters")
async def index(request: web.Request) -> web.Response:
    await authenticate(request, "read:filters")
    return web.json_response([])


@routes.get(r"/api/v2/filters/{id:\d+}")
@routes.get(r"/api/v2/filters/{id:\d+}/keywords")
@routes.get(r"/api/v2/filters/{id:\d+}/statuses")
async def show(request: web.Request) -> web.Response:
    await authenticate(request, "read:filters")
    raise ApiError(404, "Record not found")
