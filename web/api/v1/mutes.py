"""Mutes through the client API: mute (with `notifications` and `duration`), unmute, the muted accounts.

Writes answer the Relationship as it stands afterwards (`muting`, `muting_notifications`,
`muting_expires_at`), as Mastodon does. The list holds mutes in force, most recent first, paged
by mute id. What a mute hides is actors/mutes.py; mutes are never federated.
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Actor, Mute
from essaim.actors.mutes import in_force
from essaim.actors.relationships import shown
from essaim.outbox.actions.mutes import do_mute, do_unmute, mute_expiry
from essaim.web.api.auth import authenticate
from essaim.web.api.pagination import page_request
from essaim.web.api.params import Params
from essaim.web.api.v1.accounts import ACCOUNT, account_page
from essaim.web.api.v1.follows import act
from essaim.web.keys import DATABASE

routes = web.RouteTableDef()


@routes.post(ACCOUNT + "/mute")
async def mute(request: web.Request) -> web.Response:
    """`notifications` (default true) also hides their notifications; `duration` in seconds, 0 for ever."""
    await authenticate(request, "write:mutes")
    params = await Params.of(request)
    notifications = params.boolean("notifications", True)
    expires_at = mute_expiry(params.integer("duration", 0))

    async def muting(session: AsyncSession, me: Actor, other: Actor) -> None:
        await do_mute(session, me, other, notifications=notifications, expires_at=expires_at)

    return await act(request, "write:mutes", muting)


@routes.post(ACCOUNT + "/unmute")
async def unmute(request: web.Request) -> web.Response:
    return await act(request, "write:mutes", do_unmute)


@routes.get("/api/v1/mutes")
async def index(request: web.Request) -> web.Response:
    """The accounts the caller mutes now, most recently muted first."""
    token = await authenticate(request, "read:mutes")
    window = page_request(await Params.of(request), default=40, maximum=80)
    query = (
        select(Mute.id, Actor.id)
        .join(Actor, Actor.id == Mute.target_id)
        .where(Mute.actor_id == token.user.actor_id, in_force(), shown())
    )
    async with request.app[DATABASE].session() as session:
        return await account_page(request, session, query, Mute.id, window)
