"""`/api/v1/lists`: no lists exist until client API part 2 builds them, so reading them is honest and empty.

Apps (Ivory, Tusky) read lists at start-up and fail on a 404 there; an empty answer is the truth.
"""

from __future__ import annotations

from aiohttp import web

from essaim.web.api.auth import authenticate
from essaim.web.errors import ApiError

routes = web.RouteTableDef()


@routes.get("/api/v1/lists")
async def index(request: web.Request) -> web.Response:
    await authenticate(request, "read:lists")
    return web.json_response([])


@routes.get(r"/api/v1/lists/{id:\d+}")
@routes.get(r"/api/v1/lists/{id:\d+}/accounts")
async def show(request: web.Request) -> web.Response:
    await authenticate(request, "read:lists")
    raise ApiError(404, "Record not found")
