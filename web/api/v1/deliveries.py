"""`GET /api/v1/statuses/:id/deliveries` (an Essaim extension): where a post stands on each server it was sent to.

Only its author may ask; for anyone else the post is a 404, whether or not they may read it:
which servers a post went to, and which of them fail, is the author's business. What counts
as the post's deliveries is in essaim.outbox.ledger.
"""

from __future__ import annotations

from aiohttp import web

from essaim.actors.models import Status
from essaim.outbox.ledger import post_ledger
from essaim.web.api.auth import authenticate
from essaim.web.api.entities.delivery import render_post_host
from essaim.web.api.params import parse_id
from essaim.web.errors import ApiError
from essaim.web.keys import DATABASE

routes = web.RouteTableDef()


@routes.get(r"/api/v1/statuses/{id}/deliveries")
async def deliveries(request: web.Request) -> web.Response:
    token = await authenticate(request, "read:statuses")
    async with request.app[DATABASE].session() as session:
        status = await session.get(Status, parse_id(request.match_info["id"]))
        if status is None or status.actor_id != token.user.actor_id:
            raise ApiError(404, "Record not found")
        hosts = await post_ledger(session, status)
    return web.json_response([render_post_host(host) for host in hosts])
