"""`GET /media_proxy/:id/:digest/(original|small)`: peers' images served from this node's cache.

Mastodon's address of the same name does this job; inbox/remote_media.py fetches and stores. An
image that cannot be cached (or not now) is a redirect to the peer's URL, so readers still see it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from essaim.inbox.remote_media import RemoteMediaCache
from essaim.web.federation import HTTP_CLIENT
from essaim.web.keys import CONFIG, DATABASE

REMOTE_MEDIA = web.AppKey("remote_media", RemoteMediaCache)
CACHED_FOR = 7 * 24 * 3600  # seconds: the address names one file forever

routes = web.RouteTableDef()


@routes.get(r"/media_proxy/{id:\d+}/{digest:[0-9a-f]{32}}/{style:original|small}")
async def media_proxy(request: web.Request) -> web.StreamResponse:
    cache = request.app[REMOTE_MEDIA]
    match = request.match_info
    proxied = await cache.proxied(int(match["id"]), match["digest"], preview=match["style"] == "small")
    if proxied is None:
        raise web.HTTPNotFound(text="no such media")
    if proxied.file_name is None:
        raise web.HTTPFound(proxied.remote_url)
    headers = {"Cache-Control": f"public, max-age={CACHED_FOR}"}
    return web.FileResponse(cache.media_dir / proxied.file_name, headers=headers)


async def remote_media_cache(app: web.Application) -> AsyncIterator[None]:
    """Set up the cache once the database and the federation client exist (add after both contexts)."""
    app[REMOTE_MEDIA] = RemoteMediaCache(app[DATABASE], app[HTTP_CLIENT], Path(app[CONFIG].media.dir))
    yield
