"""The node's administration pages for admins and moderators: `/admin/federation`, peer hosts and their deliveries.

Signed-in staff only (others: sign in first, or 403). Forms are CSRF-protected like every
form of the node's pages; the work itself is the same action the admin API calls.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web

from essaim.actors.models import Account
from essaim.actors.models.base import utcnow
from essaim.outbox.actions.deliveries import check_retry_host, do_retry_host
from essaim.outbox.ledger import host_overview
from essaim.web.keys import DATABASE
from essaim.web.sessions import check_csrf, current_account

routes = web.RouteTableDef()
FEDERATION = "/admin/federation"


async def _staff(request: web.Request) -> Account:
    account = await current_account(request)
    if account is None:
        raise web.HTTPSeeOther(f"/auth/sign_in?next={FEDERATION}")
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
    response = aiohttp_jinja2.render_template("admin/federation.html", request, context)
    response.headers["Cache-Control"] = "no-store"
    return response


@routes.post(f"{FEDERATION}/retry")
async def retry(request: web.Request) -> web.Response:
    await _staff(request)
    form = await request.post()
    token, host = form.get("csrf_token"), form.get("host")
    check_csrf(request, token if isinstance(token, str) else None)
    async with request.app[DATABASE].transaction() as session:
        await do_retry_host(session, await check_retry_host(session, host if isinstance(host, str) else ""))
    raise web.HTTPSeeOther(f"{FEDERATION}?{urlencode({'retried': host})}")
