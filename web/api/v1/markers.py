"""`GET /api/v1/markers`: no read positions are stored until client API part 2, so there are none to give.

Saving them (`POST`) comes with part 2: answering a save without storing it would lie to the app.
"""

from __future__ import annotations

from aiohttp import web

from essaim.web.api.auth import authenticate

routes = web.RouteTableDef()


@routes.get("/api/v1/markers")
async def index(request: web.Request) -> web.Response:
    await authenticate(request, "read:statuses")
    return web.json_response({})
