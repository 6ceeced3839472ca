"""`/api/v1/filters`: the pre-4.0 view of filters, for apps that know no other (the official Android app).

As on Mastodon, a v1 filter is one keyword of a v2 filter: its id is the keyword's, `phrase` the
keyword, and `context`, `expires_at` and `irreversible` (`hide`) its filter's. Creating one makes a
filter titled by the phrase with that one keyword; deleting one removes the keyword (and the
filter, once it matches nothing).
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from essaim.actors.models import Filter, FilterKeyword
from essaim.outbox.actions import filters as act
from essaim.web.api.auth import authenticate
from essaim.web.api.entities.filter import render_v1_filter
from essaim.web.api.params import Params
from essaim.web.api.v2.filters import path_id
from essaim.web.keys import DATABASE

routes = web.RouteTableDef()
ONE = r"/api/v1/filters/{id:\d+}"


def _draft(params: Params, *, creating: bool) -> tuple[act.FilterDraft, act.KeywordDraft]:
    phrase = params.text("phrase")
    irreversible = params.boolean("irreversible") if "irreversible" in params else None
    draft = act.FilterDraft(
        title=phrase if creating else None,
        contexts=[str(c) for c in params.many("context")] if "context" in params else None,
        action=None if irreversible is None else "hide" if irreversible else "warn",
        expires="expires_in" in params,
        expires_in=params.integer("expires_in", minimum=1),
    )
    whole_word = params.boolean("whole_word") if "whole_word" in params else None
    keyword = act.KeywordDraft(phrase, whole_word)
    act.check_filter(draft, creating=creating)
    if creating or phrase is not None:
        act.check_keyword(phrase)
    return draft, keyword


@routes.get("/api/v1/filters")
async def index(request: web.Request) -> web.Response:
    token = await authenticate(request, "read:filters")
    query = (
        select(FilterKeyword, Filter)
        .join(Filter, Filter.id == FilterKeyword.filter_id)
        .where(Filter.actor_id == token.user.actor_id)
        .order_by(FilterKeyword.id)
    )
    async with request.app[DATABASE].session() as session:
        rows = list(await session.execute(query))
    return web.json_response([render_v1_filter(keyword, row) for keyword, row in rows])


@routes.get(ONE)
async def show(request: web.Request) -> web.Response:
    token = await authenticate(request, "read:filters")
    async with request.app[DATABASE].session() as session:
        keyword, row = await act.owned_keyword(session, token.user.actor_id, path_id(request))
    return web.json_response(render_v1_filter(keyword, row))


@routes.post("/api/v1/filters")
async def create(request: web.Request) -> web.Response:
    token = await authenticate(request, "write:filters")
    draft, keyword = _draft(await Params.of(request), creating=True)
    async with request.app[DATABASE].transaction() as session:
        row = await act.do_create_filter(session, token.user.actor_id, draft)
        added = await act.do_add_keyword(session, row, keyword.keyword or "", keyword.whole_word)
        return web.json_response(render_v1_filter(added, row))


@routes.put(ONE)
async def update(request: web.Request) -> web.Response:
    token = await authenticate(request, "write:filters")
    draft, change = _draft(await Params.of(request), creating=False)
    async with request.app[DATABASE].transaction() as session:
        keyword, row = await act.owned_keyword(session, token.user.actor_id, path_id(request))
        await act.check_v1_update(session, row, draft)
        act.do_update_keyword(session, row, keyword, change.keyword, change.whole_word)
        await act.do_update_filter(session, row, draft)
        return web.json_response(render_v1_filter(keyword, row))


@routes.delete(ONE)
async def remove(request: web.Request) -> web.Response:
    token = await authenticate(request, "write:filters")
    async with request.app[DATABASE].transaction() as session:
        keyword, row = await act.owned_keyword(session, token.user.actor_id, path_id(request))
        await act.do_remove_keyword(session, row, keyword, drop_empty_filter=True)
    return web.json_response({})
