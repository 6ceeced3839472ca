"""`/api/v2/filters`: a person's filters, each with its keywords and filtered posts (Mastodon 4.0 filters).

Handlers parse; outbox/actions/filters.py checks and writes; what filters do to reads is
actors/filters.py. Someone else's filter is not found (404), never forbidden.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiohttp import web
from multidict import MultiDict
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.filters import filter_parts
from essaim.actors.models import Filter
from essaim.outbox.actions import filters as act
from essaim.web.api.auth import authenticate
from essaim.web.api.entities.filter import render_filter
from essaim.web.api.params import Params, parse_id
from essaim.web.keys import DATABASE

routes = web.RouteTableDef()
FILTER = r"/api/v2/filters/{id:\d+}"


def _keyword(group: dict[str, Any]) -> act.KeywordDraft:
    params = Params(MultiDict(group))
    return act.KeywordDraft(
        keyword=params.text("keyword"),
        whole_word=params.boolean("whole_word") if "whole_word" in params else None,
        id=params.id("id"),
        destroy=params.boolean("_destroy"),
    )


def filter_draft(params: Params) -> act.FilterDraft:
    return act.FilterDraft(
        title=params.text("title"),
        contexts=[str(c) for c in params.many("context")] if "context" in params else None,
        action=params.text("filter_action"),
        expires="expires_in" in params,
        expires_in=params.integer("expires_in", minimum=1),
        keywords=[_keyword(group) for group in params.indexed("keywords_attributes")],
    )


async def rendered(session: AsyncSession, filters: Sequence[Filter]) -> list[dict[str, Any]]:
    keywords, statuses = await filter_parts(session, [f.id for f in filters])
    return [render_filter(f, keywords[f.id], statuses[f.id]) for f in filters]


def path_id(request: web.Request) -> int:
    return parse_id(request.match_info["id"])


@routes.get("/api/v2/filters")
async def index(request: web.Request) -> web.Response:
    token = await authenticate(request, "read:filters")
    async with request.app[DATABASE].session() as session:
        query = select(Filter).where(Filter.actor_id == token.user.actor_id).order_by(Filter.id)
        return web.json_response(await rendered(session, (await session.scalars(query)).all()))


@routes.get(FILTER)
async def show(request: web.Request) -> web.Response:
    token = await authenticate(request, "read:filters")
    async with request.app[DATABASE].session() as session:
        row = await act.owned_filter(session, token.user.actor_id, path_id(request))
        return web.json_response((await rendered(session, [row]))[0])


@routes.post("/api/v2/filters")
async def create(request: web.Request) -> web.Response:
    token = await authenticate(request, "write:filters")
    draft = filter_draft(await Params.of(request))
    act.check_filter(draft, creating=True)
    async with request.app[DATABASE].transaction() as session:
        row = await act.do_create_filter(session, token.user.actor_id, draft)
        return web.json_response((await rendered(session, [row]))[0])


@routes.put(FILTER)
async def update(request: web.Request) -> web.Response:
    token = await authenticate(request, "write:filters")
    draft = filter_draft(await Params.of(request))
    act.check_filter(draft, creating=False)
    async with request.app[DATABASE].transaction() as session:
        row = await act.owned_filter(session, token.user.actor_id, path_id(request))
        await act.do_update_filter(session, row, draft)
        return web.json_response((await rendered(session, [row]))[0])


@routes.delete(FILTER)
async def remove(request: web.Request) -> web.Response:
    token = await authenticate(request, "write:filters")
    async with request.app[DATABASE].transaction() as session:
        await act.do_delete_filter(session, await act.owned_filter(session, token.user.actor_id, path_id(request)))
    return web.json_response({})
