"""Hashtags through the client API: read one, follow and unfollow it, the hashtags the caller follows.

A followed hashtag's public posts enter the follower's home feed from then on (actors/feeds.py).
Reading or following accepts any valid hashtag, known or not (following creates it); an invalid
name is not found. `followed_tags` pages by follow id (`Link` headers).
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Actor, Tag, TagFollow
from essaim.actors.paging import newest_first, windowed
from essaim.actors.tags import tag_flags
from essaim.outbox.actions.tags import do_follow_tag, do_unfollow_tag, find_tag
from essaim.web.api.auth import authenticate, optional_account
from essaim.web.api.entities.tag import render_tag
from essaim.web.api.pagination import page_request
from essaim.web.api.params import Params
from essaim.web.api.render import page_response
from essaim.web.keys import DATABASE, URIS

routes = web.RouteTableDef()
TAG = "/api/v1/tags/{name}"


async def _answer(request: web.Request, session: AsyncSession, tag: Tag, viewer_id: int | None) -> web.Response:
    flags = await tag_flags(session, viewer_id, [tag.id]) if viewer_id is not None else None
    return web.json_response(render_tag(tag, request.app[URIS], flags))


@routes.get(TAG)
async def show(request: web.Request) -> web.Response:
    viewer = await optional_account(request, "read:follows")
    async with request.app[DATABASE].session() as session:
        tag = await find_tag(session, request.match_info["name"])
        return await _answer(request, session, tag, viewer.actor_id if viewer else None)


@routes.post(TAG + "/follow")
async def follow(request: web.Request) -> web.Response:
    token = await authenticate(request, "write:follows")
    async with request.app[DATABASE].transaction() as session:
        me = await session.get(Actor, token.user.actor_id)
        assert me is not None, "the token's actor exists"
        tag = await do_follow_tag(session, me, request.match_info["name"])
        return await _answer(request, session, tag, me.id)


@routes.post(TAG + "/unfollow")
async def unfollow(request: web.Request) -> web.Response:
    token = await authenticate(request, "write:follows")
    async with request.app[DATABASE].transaction() as session:
        me = await session.get(Actor, token.user.actor_id)
        assert me is not None, "the token's actor exists"
        tag = await do_unfollow_tag(session, me, request.match_info["name"])
        return await _answer(request, session, tag, me.id)


@routes.get("/api/v1/followed_tags")
async def followed_tags(request: web.Request) -> web.Response:
    """The hashtags the caller follows, most recently followed first."""
    token = await authenticate(request, "read:follows")
    me = token.user.actor_id
    window = page_request(await Params.of(request), default=100, maximum=200)
    query = select(TagFollow.id, Tag).join(Tag, Tag.id == TagFollow.tag_id).where(TagFollow.actor_id == me)
    async with request.app[DATABASE].session() as session:
        rows = list((await session.execute(windowed(query, TagFollow.id, window))).tuples())
        rows = newest_first(rows, window, key=lambda row: row[0])
        flags = await tag_flags(session, me, [tag.id for _, tag in rows])
    items = [render_tag(tag, request.app[URIS], flags) for _, tag in rows]
    return page_response(request, items, [row_id for row_id, _ in rows])
