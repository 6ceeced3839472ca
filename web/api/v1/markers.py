"""`GET /api/v1/markers`: no read positions are stored until client API part 2, so there are none to give.

Saving them (`POST`) comes with part 2: answering a save without storing it would lie to the app.
"""

from __future__ import annotations

from aiohttp import web

from essaim.web.api.empty import none_yet

routes = web.RouteTableDef()
none_yet(routes, "read:statuses", "/api/v1/markers", empty={})
