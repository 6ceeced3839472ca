"""`GET /api/v1/conversations`: direct-message threads are not grouped until client API part 2, so none are listed.

Direct posts themselves are readable (home timeline, notifications); only this grouping waits.
"""

from __future__ import annotations

from aiohttp import web

from essaim.web.api.empty import none_yet

routes = web.RouteTableDef()
none_yet(routes, "read:statuses", "/api/v1/conversations")
