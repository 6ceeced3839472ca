"""`GET /api/v1/conversations`: direct-message threads are not grouped until client API part 2, so none are listed.

Direct posts themselves are readable (home timeline, notifications); only this grouping waits.
"""

from __future__ import annotations

from aiohttp import web

from essaim.web.api.auth import authenticate

routes = web.RouteTableDef()


@routes.get("/api/v1/conversations")
async def index(request: web.Request) -> web.Response:
    await authenticate(request, "read:statuses")
    return web.json_response([])
