"""`/api/v1/lists`: no lists exist until client API part 2 builds them, so reading them is honest and empty.

Apps (Ivory, Tusky) read lists at start-up and fail on a 404 there; an empty answer is the truth.
"""

from __future__ import annotations

from aiohttp import web

from essaim.web.api.empty import none_yet

routes = web.RouteTableDef()
none_yet(routes, "read:lists", "/api/v1/lists", r"/api/v1/lists/{id:\d+}", r"/api/v1/lists/{id:\d+}/accounts")
