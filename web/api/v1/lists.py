"""`/api/v1/lists`: the caller's lists and their members; `GET /api/v1/accounts/:id/lists`.

A list is its owner's alone: anyone else's list answers 404. Members page by when they were
added (`Link` with membership ids); `limit=0` answers every member at once, without `Link`, as
Mastodon does. Each community the caller is a member of is one more list, read-only
(actors/community_lists.py): changing it answers 422. The list's timeline is in timelines.py,
what a list may hold in outbox/actions/lists.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.community_lists import READ_ONLY, community_list, community_lists
from essaim.actors.models import Actor, Follow, List, ListAccount
from essaim.actors.relationships import shown
from essaim.outbox.actions import NotFound
from essaim.outbox.actions.lists import (
    do_add_accounts,
    do_create_list,
    do_delete_list,
    do_remove_accounts,
    do_update_list,
    owned_list,
)
from essaim.web.api.auth import authenticate
from essaim.web.api.entities.list import render_community_list, render_list
from essaim.web.api.pagination import page_request
from essaim.web.api.params import Params, parse_id
from essaim.web.api.render import accounts_json
from essaim.web.api.v1.accounts import ACCOUNT, account_or_404, account_page, id_list
from essaim.web.errors import ApiError
from essaim.web.keys import DATABASE

routes = web.RouteTableDef()
LIST = r"/api/v1/lists/{id:\d+}"
MemberChange = Callable[[AsyncSession, List, Sequence[int]], Awaitable[None]]


def _list_id(request: web.Request) -> int:
    return parse_id(request.match_info["id"])


async def _writable(session: AsyncSession, owner_id: int, list_id: int) -> List:
    """The caller's own list; 422 for a community's (read-only), 404 for anything else."""
    try:
        return await owned_list(session, owner_id, list_id)
    except NotFound:
        if await community_list(session, owner_id, list_id) is not None:
            raise ApiError(422, READ_ONLY) from None
        raise


@routes.get("/api/v1/lists")
async def index(request: web.Request) -> web.Response:
    """The caller's lists, then their communities."""
    token = await authenticate(request, "read:lists")
    async with request.app[DATABASE].session() as session:
        mine = await session.scalars(select(List).where(List.owner_id == token.user.actor_id).order_by(List.id))
        lists = [render_list(item) for item in mine]
        communities = await community_lists(session, token.user.actor_id)
        return web.json_response(lists + [render_community_list(group) for group in communities])


@routes.post("/api/v1/lists")
async def create(request: web.Request) -> web.Response:
    token = await authenticate(request, "write:lists")
    params = await Params.of(request)
    async with request.app[DATABASE].transaction() as session:
        owner = await session.get(Actor, token.user.actor_id)
        assert owner is not None, "the token's actor exists"
        made = await do_create_list(
            session, owner, params.text("title"), params.text("replies_policy"), params.boolean("exclusive")
        )
        return web.json_response(render_list(made))


@routes.get(LIST)
async def show(request: web.Request) -> web.Response:
    token = await authenticate(request, "read:lists")
    async with request.app[DATABASE].session() as session:
        group = await community_list(session, token.user.actor_id, _list_id(request))
        if group is not None:
            return web.json_response(render_community_list(group))
        return web.json_response(render_list(await owned_list(session, token.user.actor_id, _list_id(request))))


@routes.put(LIST)
async def update(request: web.Request) -> web.Response:
    token = await authenticate(request, "write:lists")
    params = await Params.of(request)
    exclusive = params.boolean("exclusive") if "exclusive" in params else None
    async with request.app[DATABASE].transaction() as session:
        changed = await _writable(session, token.user.actor_id, _list_id(request))
        await do_update_list(session, changed, params.text("title"), params.text("replies_policy"), exclusive)
        return web.json_response(render_list(changed))


@routes.delete(LIST)
async def delete(request: web.Request) -> web.Response:
    token = await authenticate(request, "write:lists")
    async with request.app[DATABASE].transaction() as session:
        await do_delete_list(session, await _writable(session, token.user.actor_id, _list_id(request)))
    return web.json_response({})


@routes.get(LIST + "/accounts")
async def members(request: web.Request) -> web.Response:
    """The list's members, most recently added first (a community's: its members, by when they joined)."""
    token = await authenticate(request, "read:lists")
    params = await Params.of(request)
    everyone = params.integer("limit") == 0
    window = page_request(params, default=40, maximum=80) if not everyone else None
    viewer = token.user.actor_id
    async with request.app[DATABASE].session() as session:
        group = await community_list(session, viewer, _list_id(request))
        query: Select[int, int]
        if group is not None:
            key = Follow.id
            query = (
                select(Follow.id, Actor.id)
                .join(Actor, Actor.id == Follow.follower_id)
                .where(Follow.followee_id == group.id, Follow.accepted.is_(True), shown(viewer))
            )
        else:
            listed = await owned_list(session, viewer, _list_id(request))
            key = ListAccount.id
            query = (
                select(ListAccount.id, Actor.id)
                .join(Actor, Actor.id == ListAccount.actor_id)
                .where(ListAccount.list_id == listed.id, shown())
            )
        if window is not None:
            return await account_page(request, session, query, key, window)
        rows = (await session.execute(query.order_by(key.desc()))).all()
        return web.json_response(await accounts_json(request, session, [actor_id for _, actor_id in rows]))


def _account_ids(params: Params) -> list[int]:
    ids = id_list(params, "account_ids")
    if not ids:
        raise ApiError(422, "account_ids must name at least one account")
    return ids


async def _change_members(request: web.Request, change: MemberChange) -> web.Response:
    token = await authenticate(request, "write:lists")
    ids = _account_ids(await Params.of(request))
    async with request.app[DATABASE].transaction() as session:
        await change(session, await _writable(session, token.user.actor_id, _list_id(request)), ids)
    return web.json_response({})


@routes.post(LIST + "/accounts")
async def add_members(request: web.Request) -> web.Response:
    """Add accounts the caller follows (422 for one they do not, 404 for one that does not exist)."""
    return await _change_members(request, do_add_accounts)


@routes.delete(LIST + "/accounts")
async def remove_members(request: web.Request) -> web.Response:
    return await _change_members(request, do_remove_accounts)


@routes.get(ACCOUNT + "/lists")
async def holding(request: web.Request) -> web.Response:
    """The caller's lists that hold the account."""
    token = await authenticate(request, "read:lists")
    async with request.app[DATABASE].session() as session:
        account = await account_or_404(session, request)
        query = (
            select(List)
            .join(ListAccount, ListAccount.list_id == List.id)
            .where(List.owner_id == token.user.actor_id, ListAccount.actor_id == account.id)
        )
        return web.json_response([render_list(item) for item in await session.scalars(query.order_by(List.id))])
