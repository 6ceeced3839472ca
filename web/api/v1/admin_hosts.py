"""`/api/v1/admin/essaim/hosts` (an Essaim extension of the admin API): peer hosts and how deliveries to them go.

Mastodon's admin API has no such resource, so it lives under an `essaim/` prefix where a
future Mastodon endpoint cannot collide with it. Like Mastodon's admin API it needs an
`admin:*` scope *and* an account that is an admin or a moderator.
"""

from __future__ import annotations

from aiohttp import web

from essaim.actors.models.base import utcnow
from essaim.outbox.actions.deliveries import check_retry_host, do_retry_host
from essaim.outbox.ledger import host_overview
from essaim.web.api.auth import authenticate_staff
from essaim.web.api.entities.delivery import render_host_summary
from essaim.web.keys import DATABASE

routes = web.RouteTableDef()


@routes.get("/api/v1/admin/essaim/hosts")
async def hosts(request: web.Request) -> web.Response:
    await authenticate_staff(request, "admin:read")
    async with request.app[DATABASE].session() as session:
        summaries = await host_overview(session, utcnow())
    return web.json_response([render_host_summary(summary) for summary in summaries])


@routes.post(r"/api/v1/admin/essaim/hosts/{host}/retry")
async def retry(request: web.Request) -> web.Response:
    """Retry the host's waiting deliveries now; answers the host as it stands, with how many were brought forward."""
    await authenticate_staff(request, "admin:write")
    async with request.app[DATABASE].transaction() as session:
        host = await check_retry_host(session, request.match_info["host"])
        moved = await do_retry_host(session, host)
        [summary] = await host_overview(session, utcnow(), host=host)
    return web.json_response(render_host_summary(summary) | {"rescheduled": moved})
