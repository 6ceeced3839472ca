"""`/media_proxy/…`: peers' images served from this node's cache.

Mastodon's address of the same name does this job; inbox/remote_media.py fetches and stores. Three
shapes: `:id/:digest/(original|small)` for a post's image, `accounts/:id/:digest/(avatar|header)`
for a peer's profile images and `emojis/:id/:digest` for a peer's emoji. The digest is that of the
peer's URL the row names now, so only images a peer shows are fetched (never an open proxy) and an
address ends when the avatar changes. An image that cannot be cached (or not now) is a redirect to
the peer's URL, so readers still see it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from essaim.actors.models import Actor, CustomEmoji
from essaim.inbox.remote_media import Proxied, RemoteMediaCache
from essaim.uris import remote_url_digest
from essaim.web.federation import HTTP_CLIENT
from essaim.web.keys import CONFIG, DATABASE

REMOTE_MEDIA = web.AppKey("remote_media", RemoteMediaCache)
CACHED_FOR = 7 * 24 * 3600  # seconds: the address names one file forever
_DIGEST = "{digest:[0-9a-f]{32}}"

routes = web.RouteTableDef()


@routes.get(rf"/media_proxy/{{id:\d+}}/{_DIGEST}/{{style:original|small}}")
async def media_proxy(request: web.Request) -> web.StreamResponse:
    cache = request.app[REMOTE_MEDIA]
    match = request.match_info
    proxied = await cache.proxied(int(match["id"]), match["digest"], preview=match["style"] == "small")
    if proxied is None:
        raise web.HTTPNotFound(text="no such media")
    return _answer(cache, proxied)


@routes.get(rf"/media_proxy/accounts/{{id:\d+}}/{_DIGEST}/{{which:avatar|header}}")
async def profile_image(request: web.Request) -> web.StreamResponse:
    async with request.app[DATABASE].session() as session:
        actor = await session.get(Actor, int(request.match_info["id"]))
    if actor is None or actor.domain is None:
        raise web.HTTPNotFound(text="no such image")
    return await _image(request, actor.avatar_url if request.match_info["which"] == "avatar" else actor.header_url)


@routes.get(rf"/media_proxy/emojis/{{id:\d+}}/{_DIGEST}")
async def emoji_image(request: web.Request) -> web.StreamResponse:
    async with request.app[DATABASE].session() as session:
        emoji = await session.get(CustomEmoji, int(request.match_info["id"]))
    return await _image(request, emoji.image_url if emoji is not None and emoji.domain is not None else None)


async def _image(request: web.Request, remote_url: str | None) -> web.StreamResponse:
    """The peer's image at `remote_url` if the address's digest names it, from the cache."""
    if remote_url is None or remote_url_digest(remote_url) != request.match_info["digest"]:
        raise web.HTTPNotFound(text="no such image")
    cache = request.app[REMOTE_MEDIA]
    return _answer(cache, await cache.proxied_image(remote_url))


def _answer(cache: RemoteMediaCache, proxied: Proxied) -> web.StreamResponse:
    if proxied.file_name is None:
        raise web.HTTPFound(proxied.remote_url)
    headers = {"Cache-Control": f"public, max-age={CACHED_FOR}"}
    return web.FileResponse(cache.media_dir / proxied.file_name, headers=headers)


async def remote_media_cache(app: web.Application) -> AsyncIterator[None]:
    """Set up the cache once the database and the federation client exist (add after both contexts)."""
    app[REMOTE_MEDIA] = RemoteMediaCache(app[DATABASE], app[HTTP_CLIENT], Path(app[CONFIG].media.dir))
    yield
