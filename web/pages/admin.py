"""The node's administration pages for admins and moderators: `/admin/federation`, peer hosts and their
deliveries; `/admin/communities`, communities left without an owner and their hand-over.

Signed-in staff only (others: sign in first, or 403). Forms are CSRF-protected like every
form of the node's pages; the work itself is the same action the admin API calls.
"""

from __future__ import annotations

from typing import Any, TypeGuard
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web

from essaim.actors import queries
from essaim.actors.communities import community_of
from essaim.actors.community_lifecycle import ownerless, owners
from essaim.actors.models import Account, Actor
from essaim.actors.models.base import utcnow
from essaim.outbox.actions import ActionError, Invalid
from essaim.outbox.actions.communities import do_hand_over
from essaim.outbox.actions.deliveries import check_retry_host, do_retry_host
from essaim.outbox.ledger import host_overview
from essaim.web.keys import DATABASE
from essaim.web.sessions import check_csrf, current_account

routes = web.RouteTableDef()
FEDERATION = "/admin/federation"
COMMUNITIES = "/admin/communities"


async def _staff(request: web.Request) -> Account:
    account = await current_account(request)
    if account is None:
        raise web.HTTPSeeOther(f"/auth/sign_in?{urlencode({'next': request.path})}")
    if not account.is_staff:
        raise web.HTTPForbidden(reason="This page is for the node's administrators and moderators.")
    return account


@routes.get(FEDERATION)
async def federation(request: web.Request) -> web.Response:
    await _staff(request)
    async with request.app[DATABASE].session() as session:
        hosts = await host_overview(session, utcnow())
    retried = request.query.get("retried")
    context: dict[str, Any] = {"hosts": hosts, "retried": retried if any(h.host == retried for h in hosts) else None}
    return _no_store(aiohttp_jinja2.render_template("admin/federation.html", request, context))


@routes.post(f"{FEDERATION}/retry")
async def retry(request: web.Request) -> web.Response:
    await _staff(request)
    form = await request.post()
    token, host = form.get("csrf_token"), form.get("host")
    check_csrf(request, token if isinstance(token, str) else None)
    async with request.app[DATABASE].transaction() as session:
        await do_retry_host(session, await check_retry_host(session, host if isinstance(host, str) else ""))
    raise web.HTTPSeeOther(f"{FEDERATION}?{urlencode({'retried': host})}")


@routes.get(COMMUNITIES)
async def communities(request: web.Request) -> web.Response:
    await _staff(request)
    handed, owner = request.query.get("handed"), request.query.get("owner")
    async with request.app[DATABASE].session() as session:
        orphans = [group for _, group in await ownerless(session)]
        group = await session.get(Actor, int(handed)) if _is_id(handed) else None
        owned_by = await owners(session, group.id) if group is not None else []
    new_owner = next((actor for actor in owned_by if str(actor.id) == owner), None)
    context: dict[str, Any] = {"orphans": orphans, "handed": group if new_owner else None, "owner": new_owner}
    return _no_store(aiohttp_jinja2.render_template("admin/communities.html", request, context))


@routes.post(COMMUNITIES + "/hand-over")
async def hand_over(request: web.Request) -> web.Response:
    """Make a person of this node the owner of a community whose owners are gone."""
    await _staff(request)
    form = await request.post()
    token, community_id, person = (form.get(key) for key in ("csrf_token", "community_id", "person"))
    check_csrf(request, token if isinstance(token, str) else None)
    person = person.strip().lstrip("@") if isinstance(person, str) else ""
    try:
        async with request.app[DATABASE].transaction() as session:
            found = await community_of(session, int(community_id)) if _is_id(community_id) else None
            group = await session.get(Actor, found.actor_id) if found is not None else None
            if found is None or group is None:
                raise Invalid("No such community on this node")
            new_owner = await queries.local_person_by_handle(session, person) if person else None
            if new_owner is None:
                raise Invalid(f"No person @{person} on this node")
            await do_hand_over(session, found, group, new_owner)
            handed = {"handed": group.id, "owner": new_owner.id}
    except ActionError as refused:
        async with request.app[DATABASE].session() as session:
            orphans = [group for _, group in await ownerless(session)]
        context: dict[str, Any] = {"orphans": orphans, "error": refused.message}
        response = aiohttp_jinja2.render_template("admin/communities.html", request, context, status=422)
        return _no_store(response)
    raise web.HTTPSeeOther(f"{COMMUNITIES}?{urlencode(handed)}")


def _is_id(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and value.isdigit() and len(value) <= 19


def _no_store(response: web.Response) -> web.Response:
    response.headers["Cache-Control"] = "no-store"
    return response
