"""Follows through the client API: follow, unfollow, remove a follower, relationships, follow requests.

`act` runs any relationship change the same way (blocks.py uses it too).

The request ids of `/api/v1/follow_requests/:id/authorize|reject` are the requester's account
id, as in Mastodon. Every write answers with the Relationship as it stands afterwards.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Actor, Follow
from essaim.actors.relationships import relationships
from essaim.outbox.actions.communities import do_follow_or_join, do_unfollow_or_leave
from essaim.outbox.actions.follows import do_authorize, do_reject, do_remove_follower
from essaim.web.api.auth import authenticate
from essaim.web.api.entities.relationship import render_relationship
from essaim.web.api.pagination import page_request
from essaim.web.api.params import Params
from essaim.web.api.v1.accounts import ACCOUNT, account_or_404, account_page, follows_of, id_list, shown_ids
from essaim.web.errors import ApiError
from essaim.web.keys import DATABASE

routes = web.RouteTableDef()
FollowAction = Callable[[AsyncSession, Actor, Actor], Awaitable[object]]


@routes.get("/api/v1/accounts/relationships")
async def index(request: web.Request) -> web.Response:
    token = await authenticate(request, "read:follows")
    params = await Params.of(request)
    async with request.app[DATABASE].session() as session:
        ids = await shown_ids(session, id_list(params))
        found = await relationships(session, token.user.actor_id, ids)
    return web.json_response([render_relationship(r) for r in found])


async def act(request: web.Request, scope: str, action: FollowAction, *, missing_ok: bool = False) -> web.Response:
    """Run `action(session, caller, account)`, answer the relationship it leaves (404 when it found nothing,
    unless `missing_ok`)."""
    token = await authenticate(request, scope)
    async with request.app[DATABASE].transaction() as session:
        other = await account_or_404(session, request)
        me = await session.get(Actor, token.user.actor_id)
        assert me is not None, "the token's actor exists"
        outcome = await action(session, me, other)
        if outcome is False and not missing_ok:
            raise ApiError(404, "Record not found")
        found = await relationships(session, me.id, [other.id])
    return web.json_response(render_relationship(found[0]))


@routes.post(ACCOUNT + "/follow")
async def follow(request: web.Request) -> web.Response:
    """`reblogs`, `notify` and `languages` are checked but not stored yet: reblogs are shown, posts not notified."""
    params = await Params.of(request)
    params.boolean("reblogs", True)
    params.boolean("notify")
    if not all(isinstance(language, str) for language in params.many("languages")):
        raise ApiError(422, "languages must be a list of language codes")
    return await act(request, "write:follows", do_follow_or_join)


@routes.post(ACCOUNT + "/unfollow")
async def unfollow(request: web.Request) -> web.Response:
    return await act(request, "write:follows", do_unfollow_or_leave)


@routes.post(ACCOUNT + "/remove_from_followers")
async def remove_from_followers(request: web.Request) -> web.Response:
    return await act(request, "write:follows", do_remove_follower)


@routes.get("/api/v1/follow_requests")
async def follow_requests(request: web.Request) -> web.Response:
    """People waiting for the caller's answer, newest request first."""
    token = await authenticate(request, "read:follows")
    window = page_request(await Params.of(request), default=40, maximum=80)
    async with request.app[DATABASE].session() as session:
        requests = follows_of("followers", token.user.actor_id, accepted=False)
        return await account_page(request, session, requests, Follow.id, window)


@routes.post(r"/api/v1/follow_requests/{id:\d+}/authorize")
async def authorize(request: web.Request) -> web.Response:
    return await act(request, "write:follows", do_authorize)


@routes.post(r"/api/v1/follow_requests/{id:\d+}/reject")
async def reject(request: web.Request) -> web.Response:
    return await act(request, "write:follows", do_reject)
