"""A community's management pages: its members page for moderators, and a project's archive and renewal by an owner.

The members page answers requests, invites by handle, removes, bans and (owners only) sets roles;
each button is one form posting to the same actions the API and the command line use, which
check the rights again. Only moderators see the page (others: 403; a secret community stays 404
for those outside it).
"""

from __future__ import annotations

from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.accounts import local_actor_by_handle
from essaim.actors.communities import members
from essaim.actors.models import Actor, MemberRole, MemberState
from essaim.actors.models.base import utcnow
from essaim.actors.remote import remote_actor_by_handle
from essaim.outbox.actions import Invalid, NotFound
from essaim.outbox.actions.communities import do_approve, do_invite, do_reject, do_remove, do_set_role
from essaim.outbox.actions.community_lifecycle import do_archive, do_renew
from essaim.web.keys import CONFIG, DATABASE
from essaim.web.pages.communities import (
    DIRECTORY,
    NAME,
    acting_in,
    done_message,
    find_community,
    form_date,
    posted_form,
    private_page,
    signed_in,
)

routes = web.RouteTableDef()
MEMBERS = f"{DIRECTORY}/{NAME}/members"
DONE = {
    "approve": "The request was approved.",
    "reject": "The request was rejected.",
    "invite": "The invitation was recorded: they can now join.",
    "remove": "They were removed; they may ask to join again.",
    "ban": "They were banned.",
    "role": "The role was changed.",
}


async def _named(session: AsyncSession, handle: str, domain: str) -> Actor:
    """The person `name` (of this node) or `name@host` (known to this node already)."""
    username, _, host = handle.strip().lstrip("@").partition("@")
    if not host or host.lower() == domain.lower():
        found = await local_actor_by_handle(session, username) if username else None
    else:
        found = await remote_actor_by_handle(session, username, host)
    if found is None:
        raise NotFound(f"No one known here as {handle.strip()!r}")
    return found


@routes.get(MEMBERS)
async def members_page(request: web.Request) -> web.Response:
    account = await signed_in(request)
    async with request.app[DATABASE].session() as session:
        place = await find_community(session, request.match_info["name"], account.actor_id)
        if not place.moderates:
            raise web.HTTPForbidden(reason="Only the community's owners and moderators manage its members.")
        rows = await members(session, place.community.actor_id)
    by_state = {state.value: [(row, actor) for row, actor in rows if row.state == state.value] for state in MemberState}
    context = {
        "place": place,
        "community": place.community,
        "group": place.group,
        "by_state": by_state,
        "roles": [role.value for role in MemberRole],
        "viewer_id": account.actor_id,
        "done": done_message(request, DONE),
    }
    return private_page(aiohttp_jinja2.render_template("communities/members.html", request, context))


@routes.post(MEMBERS + "/{step:approve|reject|invite|remove|ban|role}")
async def manage(request: web.Request) -> web.Response:
    """One step on one person, named by actor id (`account`) or, to invite, by handle (`handle`)."""
    account = await signed_in(request)
    form = await posted_form(request)
    step = request.match_info["step"]
    async with request.app[DATABASE].transaction() as session:
        place, moderator = await acting_in(session, request, account)
        if step == "invite":
            target = await _named(session, form.get("handle", ""), request.app[CONFIG].domain)
        else:
            raw = form.get("account", "")
            found = await session.get(Actor, int(raw)) if raw.isdigit() and len(raw) <= 19 else None
            if found is None:
                raise NotFound()
            target = found
        community, group = place.community, place.group
        boundary = request.app[CONFIG].federation.internal_domains
        if step == "approve":
            await do_approve(session, community, group, moderator, target, internal_domains=boundary)
        elif step == "reject":
            await do_reject(session, community, group, moderator, target)
        elif step == "invite":
            await do_invite(session, community, moderator, target, internal_domains=boundary)
        elif step == "role":
            await do_set_role(session, community, moderator, target, form.get("role", ""))
        else:
            await do_remove(session, community, group, moderator, target, ban=step == "ban")
    raise web.HTTPSeeOther(f"{place.path}/members?{urlencode({'done': step})}")


@routes.post(f"{DIRECTORY}/{NAME}/{{step:archive|renew}}")
async def lifecycle(request: web.Request) -> web.Response:
    """An owner archives a project now, or renews it until a new end date (`until`), reopening it."""
    account = await signed_in(request)
    form = await posted_form(request)
    async with request.app[DATABASE].transaction() as session:
        place, owner = await acting_in(session, request, account)
        if request.match_info["step"] == "archive":
            await do_archive(session, place.community, utcnow(), by=owner)
            done = "archived"
        else:
            until = form_date(form.get("until", ""), "The new end date")
            if until is None:
                raise Invalid("Give the new end date")
            await do_renew(session, place.community, until, utcnow(), by=owner)
            done = "renewed"
    raise web.HTTPSeeOther(f"{place.path}?done={done}")
