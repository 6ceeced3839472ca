"""Endpoints whose feature is not built yet but that apps call at start-up: they answer the honest truth.

Apps (Ivory, Tusky, the official ones) stop on a 404 from such "boring" endpoints; before filters or
conversations exist, "there are none" is the true answer, and any single one is not found.
"""

from __future__ import annotations

from aiohttp import web

from essaim.web.api.auth import authenticate
from essaim.web.errors import ApiError


def none_yet(routes: web.RouteTableDef, scope: str, collection: str, *items: str, empty: object = ()) -> None:
    """`GET collection` answers `empty` (a list unless said otherwise); `GET` of each of `items` is 404."""

    async def index(request: web.Request) -> web.Response:
        await authenticate(request, scope)
        return web.json_response(list(empty) if isinstance(empty, tuple) else empty)

    async def missing(request: web.Request) -> web.Response:
        await authenticate(request, scope)
        raise ApiError(404, "Record not found")

    routes.get(collection)(index)
    for path in items:
        routes.get(path)(missing)
