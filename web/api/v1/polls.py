"""`/api/v1/polls`: read a poll and vote on it; both only for people who can read the poll's post."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Poll, PollVote
from essaim.outbox.actions.polls import check_vote, do_vote, readable_poll
from essaim.web.api.auth import authenticate, optional_account
from essaim.web.api.entities.poll import render_poll
from essaim.web.api.node import local_node
from essaim.web.api.params import Params, parse_id
from essaim.web.keys import DATABASE

routes = web.RouteTableDef()


async def _render(session: AsyncSession, poll: Poll, viewer_id: int | None) -> web.Response:
    own: list[int] = []
    if viewer_id is not None:
        votes = select(PollVote.choice).where(PollVote.poll_id == poll.id, PollVote.actor_id == viewer_id)
        own = sorted(await session.scalars(votes))
    return web.json_response(render_poll(poll, own, viewer_signed_in=viewer_id is not None))


@routes.get("/api/v1/polls/{id}")
async def show(request: web.Request) -> web.Response:
    account = await optional_account(request, "read:statuses")
    viewer = account.actor_id if account else None
    async with request.app[DATABASE].session() as session:
        poll = await readable_poll(session, parse_id(request.match_info["id"]), viewer)
        return await _render(session, poll, viewer)


@routes.post("/api/v1/polls/{id}/votes")
async def vote(request: web.Request) -> web.Response:
    token = await authenticate(request, "write:statuses")
    voter = token.user.actor
    choices = (await Params.of(request)).many("choices")
    async with request.app[DATABASE].transaction() as session:
        poll, chosen = await check_vote(session, voter, parse_id(request.match_info["id"]), choices)
        await do_vote(session, voter, poll, chosen, local_node(request))
    async with request.app[DATABASE].session() as session:
        return await _render(session, poll, voter.id)
