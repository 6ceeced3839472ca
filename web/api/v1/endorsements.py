"""Endorsements and personal notes through the client API: pin and unpin an account, the endorsed
accounts (the caller's, or anyone's as their profile shows them), and the caller's private note about
an account.

Pinning (Mastodon's name for endorsing) needs a follow: 422 otherwise. Writes answer the
Relationship (`endorsed`, `note`).
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Actor, Endorsement
from essaim.actors.relationships import shown
from essaim.outbox.actions.endorsements import check_note, do_endorse, do_set_note, do_unendorse
from essaim.web.api.auth import authenticate
from essaim.web.api.pagination import page_request
from essaim.web.api.params import Params
from essaim.web.api.v1.accounts import ACCOUNT, account_or_404, account_page
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
    async with request.app[DATABASE].session() as session:
        return await account_page(request, session, _endorsed_by(token.user.actor_id), Endorsement.id, window)


@routes.get(ACCOUNT + "/endorsements")
async def of_account(request: web.Request) -> web.Response:
    """Anyone may read whom an account endorses: endorsements are there to be shown on the profile."""
    window = page_request(await Params.of(request), default=40, maximum=80)
    async with request.app[DATABASE].session() as session:
        owner = await account_or_404(session, request)
        return await account_page(request, session, _endorsed_by(owner.id), Endorsement.id, window)


def _endorsed_by(owner_id: int) -> Select[int, int]:
    """(endorsement id, endorsed actor id) rows of the owner's endorsements."""
    return (
        select(Endorsement.id, Actor.id)
        .join(Actor, Actor.id == Endorsement.target_id)
        .where(Endorsement.actor_id == owner_id, shown())
    )


@routes.post(ACCOUNT + "/note")
async def note(request: web.Request) -> web.Response:
    """`comment` replaces the note; empty or absent removes it."""
    await authenticate(request, "write:accounts")
    comment = check_note((await Params.of(request)).text("comment", "") or "")

    async def noting(session: AsyncSession, me: Actor, other: Actor) -> None:
        await do_set_note(session, me, other, comment)

    return await act(request, "write:accounts", noting)
