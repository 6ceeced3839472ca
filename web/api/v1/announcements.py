"""`/api/v1/announcements`: the node's current announcements for the caller; dismiss one; react with an emoji.

Administrators write announcements with `essaim announcement` (cli/announcements.py). One that has ended
(`ends_at` passed) is no longer listed and answers 404. Live streams render theirs here too
(`announcement_for`, `reaction_count`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Account, Announcement, AnnouncementDismissal, AnnouncementReaction
from essaim.actors.models.base import utcnow
from essaim.outbox.actions.announcements import current_announcement, do_dismiss, do_react, do_unreact
from essaim.web.api.auth import authenticate
from essaim.web.api.entities.announcement import render_announcement
from essaim.web.api.params import Params, parse_id
from essaim.web.keys import DATABASE

routes = web.RouteTableDef()
ANNOUNCEMENT = r"/api/v1/announcements/{id:\d+}"
REACTION = ANNOUNCEMENT + "/reactions/{name}"


async def _reactions(session: AsyncSession, ids: list[int], account_id: int) -> dict[int, list[tuple[str, int, bool]]]:
    """Per announcement: (emoji, count, whether `account_id` reacted), the first used first."""
    mine = func.max(case((AnnouncementReaction.account_id == account_id, 1), else_=0))
    rows = await session.execute(
        select(AnnouncementReaction.announcement_id, AnnouncementReaction.name, func.count(), mine)
        .where(AnnouncementReaction.announcement_id.in_(ids))
        .group_by(AnnouncementReaction.announcement_id, AnnouncementReaction.name)
        .order_by(func.min(AnnouncementReaction.created_at))
    )
    found: dict[int, list[tuple[str, int, bool]]] = {}
    for announcement_id, name, count, me in rows:
        found.setdefault(announcement_id, []).append((name, count, bool(me)))
    return found


def _current() -> Select[Announcement]:
    """Announcements people see: those not ended."""
    return select(Announcement).where(or_(Announcement.ends_at.is_(None), Announcement.ends_at > utcnow()))


def _dismissed(account_id: int) -> Select[int]:
    return select(AnnouncementDismissal.announcement_id).where(AnnouncementDismissal.account_id == account_id)


async def announcement_for(session: AsyncSession, announcement_id: int, actor_id: int) -> dict[str, Any] | None:
    """One current announcement as the local person `actor_id` sees it (None: ended, removed, or no account)."""
    account_id = await session.scalar(select(Account.id).where(Account.actor_id == actor_id))
    found = await session.scalar(_current().where(Announcement.id == announcement_id))
    if account_id is None or found is None:
        return None
    read = await session.scalar(_dismissed(account_id).where(AnnouncementDismissal.announcement_id == found.id))
    reactions = await _reactions(session, [found.id], account_id)
    return render_announcement(found, read is not None, reactions.get(found.id, []))


async def reaction_count(session: AsyncSession, announcement_id: int, name: str) -> int:
    """How many people reacted to an announcement with this emoji."""
    mine = (AnnouncementReaction.announcement_id == announcement_id) & (AnnouncementReaction.name == name)
    return await session.scalar(select(func.count()).where(mine)) or 0


@routes.get("/api/v1/announcements")
async def index(request: web.Request) -> web.Response:
    token = await authenticate(request, "read")
    with_dismissed = (await Params.of(request)).boolean("with_dismissed")
    account_id = token.user.id
    dismissed = _dismissed(account_id)
    query = _current()
    if not with_dismissed:
        query = query.where(Announcement.id.not_in(dismissed))
    query = query.order_by(func.coalesce(Announcement.starts_at, Announcement.published_at), Announcement.id)
    async with request.app[DATABASE].session() as session:
        shown = list(await session.scalars(query))
        read = set((await session.scalars(dismissed)).all())
        reactions = await _reactions(session, [a.id for a in shown], account_id)
    return web.json_response([render_announcement(a, a.id in read, reactions.get(a.id, [])) for a in shown])


Change = Callable[[AsyncSession, Account, Announcement], Awaitable[None]]


async def _change(request: web.Request, scope: str, change: Change) -> web.Response:
    token = await authenticate(request, scope)
    async with request.app[DATABASE].transaction() as session:
        announcement = await current_announcement(session, parse_id(request.match_info["id"]), utcnow())
        await change(session, token.user, announcement)
    return web.json_response({})


@routes.post(ANNOUNCEMENT + "/dismiss")
async def dismiss(request: web.Request) -> web.Response:
    return await _change(request, "write:accounts", do_dismiss)


@routes.put(REACTION)
async def react(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    return await _change(request, "write:favourites", lambda s, a, n: do_react(s, a, n, name))


@routes.delete(REACTION)
async def unreact(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    return await _change(request, "write:favourites", lambda s, a, n: do_unreact(s, a, n, name))
