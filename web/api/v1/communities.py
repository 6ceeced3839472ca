"""`/api/v1/communities/:id/requests`: an Essaim extension for a community's moderators to answer join requests.

Mastodon apps show only the follow requests of one's own account, so a closed community's requests
(notified to its moderators as `follow_request`s from the requester) are listed and answered here:
`GET` lists the requesters as accounts, `POST …/:account_id/authorize` admits one, `…/reject` refuses
one. The community is named by its account id; one the caller may not see is 404, and anyone but its
owners and moderators gets 403.
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.communities import community_of, members
from essaim.actors.models import Actor, Community, MemberState
from essaim.actors.relationships import shown_actor
from essaim.outbox.actions.communities import check_moderator, do_approve, do_reject
from essaim.web.api.auth import authenticate
from essaim.web.api.params import parse_id
from essaim.web.api.render import accounts_json
from essaim.web.api.v1.accounts import account_json
from essaim.web.errors import ApiError
from essaim.web.keys import CONFIG, DATABASE

routes = web.RouteTableDef()
REQUESTS = r"/api/v1/communities/{id:\d+}/requests"


async def _community(session: AsyncSession, request: web.Request, viewer: Actor) -> tuple[Community, Actor]:
    """The community of the path, as the caller may see it, and its Group; the caller must moderate it."""
    group = await shown_actor(session, parse_id(request.match_info["id"]), viewer.id)
    community = await community_of(session, group.id) if group is not None and group.is_local else None
    if group is None or community is None:
        raise ApiError(404, "Record not found")
    await check_moderator(session, community, viewer)
    return community, group


async def _caller(session: AsyncSession, request: web.Request, scope: str) -> Actor:
    token = await authenticate(request, scope)
    caller = await session.get(Actor, token.user.actor_id)
    assert caller is not None, "the token's actor exists"
    return caller


@routes.get(REQUESTS)
async def requests(request: web.Request) -> web.Response:
    """Who asks to join, oldest first."""
    async with request.app[DATABASE].session() as session:
        community, _ = await _community(session, request, await _caller(session, request, "read:follows"))
        asking = await members(session, community.actor_id, MemberState.REQUESTED.value)
        return web.json_response(await accounts_json(request, session, [actor.id for _, actor in asking]))


@routes.post(REQUESTS + r"/{account_id:\d+}/{answer:authorize|reject}")
async def answer(request: web.Request) -> web.Response:
    """Admit or refuse one request (404 when that account has none); answers the requester's account."""
    async with request.app[DATABASE].transaction() as session:
        moderator = await _caller(session, request, "write:follows")
        community, group = await _community(session, request, moderator)
        requester = await session.get(Actor, parse_id(request.match_info["account_id"]))
        if requester is None:
            raise ApiError(404, "Record not found")
        if request.match_info["answer"] == "authorize":
            internal = request.app[CONFIG].federation.internal_domains
            await do_approve(session, community, group, moderator, requester, internal_domains=internal)
        else:
            await do_reject(session, community, group, moderator, requester)
    async with request.app[DATABASE].session() as session:
        return web.json_response(await account_json(request, session, requester))
