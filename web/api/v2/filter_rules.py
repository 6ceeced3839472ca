"""What a v2 filter matches, one rule at a time: its keywords and the posts added to it.

Keywords and filtered posts are reached under their filter (`/api/v2/filters/:id/keywords`) and
by their own id, at both addresses Mastodon answers (`/api/v2/filter_keywords/:id` and
`/api/v2/filters/keywords/:id`; the same for statuses).
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from essaim.actors.models import FilterKeyword, FilterStatus
from essaim.outbox.actions import filters as act
from essaim.web.api.auth import authenticate
from essaim.web.api.entities.filter import render_filter_status, render_keyword
from essaim.web.api.params import Params
from essaim.web.api.v2.filters import FILTER, path_id
from essaim.web.errors import ApiError
from essaim.web.keys import DATABASE

routes = web.RouteTableDef()
KEYWORD = (r"/api/v2/filter_keywords/{id:\d+}", r"/api/v2/filters/keywords/{id:\d+}")
STATUS = (r"/api/v2/filter_statuses/{id:\d+}", r"/api/v2/filters/statuses/{id:\d+}")


@routes.get(FILTER + "/keywords")
async def keywords(request: web.Request) -> web.Response:
    token = await authenticate(request, "read:filters")
    async with request.app[DATABASE].session() as session:
        row = await act.owned_filter(session, token.user.actor_id, path_id(request))
        found = await session.scalars(select(FilterKeyword).where(FilterKeyword.filter_id == row.id))
        return web.json_response([render_keyword(k) for k in sorted(found, key=lambda k: k.id)])


@routes.post(FILTER + "/keywords")
async def add_keyword(request: web.Request) -> web.Response:
    token = await authenticate(request, "write:filters")
    params = await Params.of(request)
    whole_word = params.boolean("whole_word") if "whole_word" in params else None
    async with request.app[DATABASE].transaction() as session:
        row = await act.owned_filter(session, token.user.actor_id, path_id(request))
        added = await act.do_add_keyword(session, row, params.text("keyword") or "", whole_word)
        return web.json_response(render_keyword(added))


async def show_keyword(request: web.Request) -> web.Response:
    token = await authenticate(request, "read:filters")
    async with request.app[DATABASE].session() as session:
        keyword, _ = await act.owned_keyword(session, token.user.actor_id, path_id(request))
    return web.json_response(render_keyword(keyword))


async def update_keyword(request: web.Request) -> web.Response:
    token = await authenticate(request, "write:filters")
    params = await Params.of(request)
    whole_word = params.boolean("whole_word") if "whole_word" in params else None
    async with request.app[DATABASE].transaction() as session:
        keyword, row = await act.owned_keyword(session, token.user.actor_id, path_id(request))
        act.do_update_keyword(session, row, keyword, params.text("keyword"), whole_word)
        return web.json_response(render_keyword(keyword))


async def remove_keyword(request: web.Request) -> web.Response:
    token = await authenticate(request, "write:filters")
    async with request.app[DATABASE].transaction() as session:
        keyword, row = await act.owned_keyword(session, token.user.actor_id, path_id(request))
        await act.do_remove_keyword(session, row, keyword)
    return web.json_response({})


@routes.get(FILTER + "/statuses")
async def statuses(request: web.Request) -> web.Response:
    token = await authenticate(request, "read:filters")
    async with request.app[DATABASE].session() as session:
        row = await act.owned_filter(session, token.user.actor_id, path_id(request))
        found = await session.scalars(select(FilterStatus).where(FilterStatus.filter_id == row.id))
        return web.json_response([render_filter_status(s) for s in sorted(found, key=lambda s: s.id)])


@routes.post(FILTER + "/statuses")
async def add_status(request: web.Request) -> web.Response:
    token = await authenticate(request, "write:filters")
    status_id = (await Params.of(request)).id("status_id")
    if status_id is None:
        raise ApiError(422, "Validation failed: Status can't be blank")
    async with request.app[DATABASE].transaction() as session:
        row = await act.owned_filter(session, token.user.actor_id, path_id(request))
        return web.json_response(render_filter_status(await act.do_add_status(session, row, status_id)))


async def show_status(request: web.Request) -> web.Response:
    token = await authenticate(request, "read:filters")
    async with request.app[DATABASE].session() as session:
        filtered, _ = await act.owned_filter_status(session, token.user.actor_id, path_id(request))
    return web.json_response(render_filter_status(filtered))


async def remove_status(request: web.Request) -> web.Response:
    token = await authenticate(request, "write:filters")
    async with request.app[DATABASE].transaction() as session:
        filtered, row = await act.owned_filter_status(session, token.user.actor_id, path_id(request))
        await act.do_remove_status(session, row, filtered)
    return web.json_response({})


for path in KEYWORD:
    routes.get(path)(show_keyword)
    routes.put(path)(update_keyword)
    routes.delete(path)(remove_keyword)
for path in STATUS:
    routes.get(path)(show_status)
    routes.delete(path)(remove_status)
