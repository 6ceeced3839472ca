"""`/api/v2/filters`: none exist until client API part 2, so the list is empty and no filter is found."""

from __future__ import annotations

from aiohttp import web

from essaim.web.api.empty import none_yet

routes = web.RouteTableDef()
none_yet(
    routes,
    "read:filters",
    "/api/v2/filters",
    r"/api/v2/filters/{id:\d+}",
    r"/api/v2/filters/{id:\d+}/keywords",
    r"/api/v2/filters/{id:\d+}/statuses",
)
