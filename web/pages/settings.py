"""`/settings/migration`: a signed-in person's aliases (`alsoKnownAs`) and their move to another account.

Server-rendered forms, CSRF-protected like every form of the node's pages. The work is
`inbox/migration.py`'s, which `essaim user move` shares: accounts elsewhere are fetched fresh
from their server before anything is written. A refusal re-shows the page with the reason (422);
a success redirects back to it (post/redirect/get).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Account, Actor
from essaim.actors.queries import local_person
from essaim.inbox import migration
from essaim.inbox.resolve import ActorResolver
from essaim.outbox.actions import ActionError
from essaim.web.api.node import local_node
from essaim.web.federation import FEDERATION_POLICY, HTTP_CLIENT
from essaim.web.keys import DATABASE
from essaim.web.sessions import check_csrf, current_account

routes = web.RouteTableDef()
MIGRATION = "/settings/migration"
DONE = {
    "alias": "The alias was added.",
    "unalias": "The alias was removed.",
    "moved": "Your account has moved; your followers here follow the new one, and followers elsewhere were told.",
}


async def _signed_in(request: web.Request) -> Account:
    account = await current_account(request)
    if account is None:
        raise web.HTTPSeeOther(f"/auth/sign_in?{urlencode({'next': MIGRATION})}")
    return account


async def _page(request: web.Request, account: Account, *, error: str | None = None, value: str = "") -> web.Response:
    async with request.app[DATABASE].session() as session:
        actor = await local_person(session, account.actor_id)
        if actor is None:
            raise web.HTTPNotFound()
        handles = await _handles(session, [*actor.also_known_as, *([actor.moved_to_uri] if actor.moved_to_uri else [])])
    context: dict[str, Any] = {
        "actor": actor,
        "aliases": [(uri, handles.get(uri, uri)) for uri in actor.also_known_as],
        "moved_to": handles.get(actor.moved_to_uri or "", actor.moved_to_uri),
        "done": DONE.get(request.query.get("done", "")),
        "error": error,
        "value": value,
    }
    response = aiohttp_jinja2.render_template("settings/migration.html", request, context)
    response.set_status(422 if error else 200)
    response.headers["Cache-Control"] = "no-store"
    return response


async def _handles(session: AsyncSession, uris: list[str]) -> dict[str, str]:
    """`@name@host` (or `@name` for this node) of the accounts this node knows among `uris`."""
    if not uris:
        return {}
    actors = (await session.scalars(select(Actor).where(Actor.uri.in_(uris)))).all()
    return {a.uri: f"@{a.username}@{a.domain}" if a.domain else f"@{a.username}" for a in actors}


@routes.get(MIGRATION)
async def show(request: web.Request) -> web.Response:
    return await _page(request, await _signed_in(request))


@routes.post(f"{MIGRATION}/{{action:alias|unalias|move}}")
async def change(request: web.Request) -> web.Response:
    """Add or remove an alias, or move: the form's `account` names the other account."""
    account = await _signed_in(request)
    form = await request.post()
    token, value = form.get("csrf_token"), form.get("account")
    check_csrf(request, token if isinstance(token, str) else None)
    value = value.strip() if isinstance(value, str) else ""
    app, action = request.app, request.match_info["action"]
    resolver = ActorResolver(app[DATABASE], app[HTTP_CLIENT], app[FEDERATION_POLICY])
    try:
        if action == "alias":
            await migration.add_alias(resolver, local_node(request), account.actor_id, value)
        elif action == "unalias":
            await migration.remove_alias(resolver, local_node(request), account.actor_id, value)
        else:
            await migration.move_to(resolver, local_node(request), account.actor_id, value)
    except ActionError as error:
        return await _page(request, account, error=error.message, value=value if action != "unalias" else "")
    raise web.HTTPSeeOther(f"{MIGRATION}?{urlencode({'done': 'moved' if action == 'move' else action})}")
