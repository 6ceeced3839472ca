"""`/api/v1/communities/:id…`: Essaim extensions for a community's members and moderators.

Mastodon apps show only the follow requests of one's own account, so a closed community's requests
(notified to its moderators as `follow_request`s from the requester) are listed and answered here:
`GET …/requests` lists the requesters as accounts, `POST …/:account_id/authorize` admits one, `…/reject`
refuses one. `GET /api/v1/communities/:id` shows the community (kind, access, charter, rules, the caller's
membership, its pinned posts); `POST …/statuses/:status_id/lock|unlock|pin|unpin` are its moderators'
steps on a post in it (outbox/actions/community_governance.py). The community is named by its account
id; one the caller may not see (a secret one they are not in) is 404, and anyone but its owners and
moderators gets 403 for moderators' steps.
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.communities import community_of, may_see_community, members, membership
from essaim.actors.models import Actor, Community, MemberState, Status
from essaim.actors.models.base import utcnow
from essaim.actors.queries import pinned_posts
from essaim.actors.relationships import shown_actor
from essaim.outbox.actions.communities import check_moderator, do_approve, do_reject
from essaim.outbox.actions.community_governance import community_post, do_lock, do_pin
from essaim.web.api.auth import authenticate
from essaim.web.api.node import local_node
from essaim.web.api.params import parse_id
from essaim.web.api.render import accounts_json, statuses_json
from essaim.web.api.v1.accounts import account_json
from essaim.web.errors import ApiError
from essaim.web.keys import CONFIG, DATABASE

routes = web.RouteTableDef()
REQUESTS = r"/api/v1/communities/{id:\d+}/requests"


async def _visible(session: AsyncSession, request: web.Request, viewer: Actor) -> tuple[Community, Actor]:
    """The community of the path and its Group, as the caller may see it (404 otherwise)."""
    group = await shown_actor(session, parse_id(request.match_info["id"]), viewer.id)
    community = await community_of(session, group.id) if group is not None and group.is_local else None
    if group is None or community is None or not await may_see_community(session, community, viewer.id):
        raise ApiError(404, "Record not found")
    return community, group


async def _community(session: AsyncSession, request: web.Request, viewer: Actor) -> tuple[Community, Actor]:
    """The community of the path, as the caller may see it, and its Group; the caller must moderate it."""
    community, group = await _visible(session, request, viewer)
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


@routes.get(r"/api/v1/communities/{id:\d+}")
async def community(request: web.Request) -> web.Response:
    """The community as its members see it: its Group's account, kind, access, texts, the caller's membership."""
    async with request.app[DATABASE].session() as session:
        viewer = await _caller(session, request, "read:accounts")
        community, group = await _visible(session, request, viewer)
        row = await membership(session, community.actor_id, viewer.id)
        pinned = await pinned_posts(session, group.id, viewer.id)
        return web.json_response(
            {
                "id": str(group.id),
                "account": await account_json(request, session, group),
                "kind": community.kind,
                "access": community.access,
                "ends_on": community.ends_on.isoformat() if community.ends_on else None,
                "archived": community.archived_at is not None,
                "charter": community.charter,
                "rules": list(community.rules),
                "welcome_message": community.welcome_message,
                "members_count": len(await members(session, community.actor_id, MemberState.MEMBER.value)),
                "membership": row.state if row is not None else None,
                "role": row.role if row is not None and row.state == MemberState.MEMBER.value else None,
                "pinned": await statuses_json(request, session, pinned, viewer.id),
            }
        )


@routes.post(r"/api/v1/communities/{id:\d+}/statuses/{status_id:\d+}/{step:lock|unlock|pin|unpin}")
async def moderate(request: web.Request) -> web.Response:
    """A moderator locks, unlocks, pins or unpins a post of the community; answers the post."""
    async with request.app[DATABASE].transaction() as session:
        moderator = await _caller(session, request, "write:statuses")
        community, group = await _visible(session, request, moderator)
        status_id = parse_id(request.match_info["status_id"])
        status = await community_post(session, community, moderator, status_id)
        step, boundary = request.match_info["step"], local_node(request).internal_domains
        if step in ("lock", "unlock"):
            await do_lock(
                session, group, moderator, status, locked=step == "lock", now=utcnow(), internal_domains=boundary
            )
        else:
            await do_pin(session, group, moderator, status, pinned=step == "pin", internal_domains=boundary)
    async with request.app[DATABASE].session() as session:
        shown = await session.get_one(Status, status_id)
        return web.json_response((await statuses_json(request, session, [shown], moderator.id))[0])
