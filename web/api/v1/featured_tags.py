"""Featured hashtags through the client API: the caller's (list, add, remove, suggestions) and anyone's.

At most `MAX_FEATURED_TAGS` per person (422 past it); each shows how many of the owner's public
and unlisted posts carry it and the day of the latest (actors/tags.py).
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Actor
from essaim.actors.tags import featured_tags, suggested_tags, tag_flags
from essaim.outbox.actions.tags import do_feature_tag, do_unfeature_tag
from essaim.web.api.auth import authenticate
from essaim.web.api.entities.tag import render_featured_tag, render_tag
from essaim.web.api.params import Params, parse_id
from essaim.web.api.v1.accounts import ACCOUNT, account_or_404
from essaim.web.errors import ApiError
from essaim.web.keys import DATABASE, URIS

routes = web.RouteTableDef()
MAX_SUGGESTIONS = 10


async def _featured_json(request: web.Request, session: AsyncSession, actor_id: int) -> web.Response:
    views = await featured_tags(session, actor_id)
    return web.json_response([render_featured_tag(view, request.app[URIS]) for view in views])


@routes.get("/api/v1/featured_tags")
async def index(request: web.Request) -> web.Response:
    token = await authenticate(request, "read:accounts")
    async with request.app[DATABASE].session() as session:
        return await _featured_json(request, session, token.user.actor_id)


@routes.get(ACCOUNT + "/featured_tags")
async def of_account(request: web.Request) -> web.Response:
    """Anyone may read a profile's featured hashtags, as its page shows them."""
    async with request.app[DATABASE].session() as session:
        actor = await account_or_404(session, request)
        return await _featured_json(request, session, actor.id)


@routes.post("/api/v1/featured_tags")
async def create(request: web.Request) -> web.Response:
    """`name`: the hashtag, with or without '#'."""
    token = await authenticate(request, "write:accounts")
    name = (await Params.of(request)).text("name")
    if not name:
        raise ApiError(422, "name is required")
    async with request.app[DATABASE].transaction() as session:
        me = await session.get(Actor, token.user.actor_id)
        assert me is not None, "the token's actor exists"
        featured = await do_feature_tag(session, me, name)
        views = await featured_tags(session, me.id)
    view = next(v for v in views if v.featured.id == featured.id)
    return web.json_response(render_featured_tag(view, request.app[URIS]))


@routes.delete(r"/api/v1/featured_tags/{id:\d+}")
async def remove(request: web.Request) -> web.Response:
    token = await authenticate(request, "write:accounts")
    async with request.app[DATABASE].transaction() as session:
        me = await session.get(Actor, token.user.actor_id)
        assert me is not None, "the token's actor exists"
        await do_unfeature_tag(session, me, parse_id(request.match_info["id"]))
    return web.json_response({})


@routes.get("/api/v1/featured_tags/suggestions")
async def suggestions(request: web.Request) -> web.Response:
    """Hashtags the caller used most lately and has not featured (Tag entities)."""
    token = await authenticate(request, "read:accounts")
    me = token.user.actor_id
    async with request.app[DATABASE].session() as session:
        tags = await suggested_tags(session, me, MAX_SUGGESTIONS)
        flags = await tag_flags(session, me, [tag.id for tag in tags])
    return web.json_response([render_tag(tag, request.app[URIS], flags) for tag in tags])
