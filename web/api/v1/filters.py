"""`/api/v1/filters` (the pre-4.0 keyword filters): none exist until client API part 2, so the list is empty.

The official Android app reads this one when the v2 filters are missing; an empty list is the truth.
"""

from __future__ import annotations

from aiohttp import web

from essaim.web.api.auth import authenticate
from essaim.web.errors import ApiError

routes = web.RouteTableDef()


@routes.get("/api/v1/filters")
async def index(request: web.Request) -> web.Response:
    await authenticate(request, "read:filters")
    return web.json_response([])


@routes.get(r"/api/v1/filters/{id:\d+}")
async def show(request: web.Request) -> web.Response:
    await authenticate(request, "read:filters")
    raise ApiError(404, "Record not found")
