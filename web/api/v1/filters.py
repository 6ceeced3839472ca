"""`/api/v1/filters` (the pre-4.0 keyword filters): none exist until client API part 2, so the list is empty.

The official Android app reads this one when the v2 filters are missing; an empty list is the truth.
"""

from __future__ import annotations

from aiohttp import web

from essaim.web.api.empty import none_yet

routes = web.RouteTableDef()
none_yet(routes, "read:filters", "/api/v1/filters", r"/api/v1/filters/{id:\d+}")
