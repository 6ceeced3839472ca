"""Endorsements and personal notes through the client API: pin and unpin an account, the endorsed
accounts, and the caller's private note about an account.

Pinning (Mastodon's name for endorsing) needs a follow: 422 otherwise. Writes answer the
Relationship (`endorsed`, `note`).
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Actor, Endorsement
from essaim.actors.relationships import shown
from essaim.outbox.actions.endorsements import check_note, do_endorse, do_set_note, do_unendorse
from essaim.web.api.auth import authenticate
from essaim.web.api.pagination import page_request
from essaim.web.api.params import Params
from essaim.web.api.v1.accounts import ACCOUNT, account_page
from essaim.web.api.v1.follows import act
from essaim.web.keys import DATABASE

routes = web.RouteTableDef()


@routes.post(ACCOUNT + "/pin")
async def pin(request: web.Request) -> web.Response:
    return await act(request, "write:accounts", do_endorse)


@routes.post(ACCOUNT + "/unpin")
async def unpin(request: web.Request) -> web.Response:
    return await act(request, "write:accounts", do_unendorse)


@routes.get("/api/v1/endorsements")
async def index(request: web.Request) -> web.Response:
    """The accounts the caller endorses, most recent first."""
    token = await authenticate(request, "read:accounts")
    window = page_request(await Params.of(request), default=40, maximum=80)
    query = (
        select(Endorsement.id, Actor.id)
        .join(Actor, Actor.id == Endorsement.target_id)
        .where(Endorsement.actor_id == token.user.actor_id, shown())
    )
    async with request.app[DATABASE].session() as session:
        return await account_page(request, session, query, Endorsement.id, window)


@routes.post(ACCOUNT + "/note")
async def note(request: web.Request) -> web.Response:
    """`comment` replaces the note; empty or absent removes it."""
    await authenticate(request, "write:accounts")
    comment = check_note((await Params.of(request)).text("comment", "") or "")

    async def noting(session: AsyncSession, me: Actor, other: Actor) -> None:
        await do_set_note(session, me, other, comment)

    return await act(request, "write:accounts", noting)
