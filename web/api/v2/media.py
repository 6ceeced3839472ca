"""`/api/v2/media`: the current upload endpoint; see docs/api.md.

Mastodon answers 202 with `url: null` when it processes a file after the request (video,
large images) and 200 when it finished within it. Essaim processes images within the
request (a worker thread) and takes no video, so an upload is always ready: 200, as
`/api/v1/media`, with which it shares its handler.
"""

from __future__ import annotations

from aiohttp import web

from essaim.web.api.v1.media import upload

routes = web.RouteTableDef()


@routes.post("/api/v2/media")
async def create_media(request: web.Request) -> web.Response:
    return await upload(request)
