"""`GET /api/v1/directory`: discoverable people (actors/directory.py), for anyone; a signed-in caller's blocks apply."""

from __future__ import annotations

from aiohttp import web

from essaim.actors.directory import DirectoryPage, directory
from essaim.web.api.auth import optional_account
from essaim.web.api.params import Params
from essaim.web.api.render import accounts_json
from essaim.web.errors import ApiError
from essaim.web.keys import DATABASE

routes = web.RouteTableDef()
DEFAULT_LIMIT, MAX_LIMIT = 40, 80
ORDERS = ("active", "new")


@routes.get("/api/v1/directory")
async def index(request: web.Request) -> web.Response:
    params = await Params.of(request)
    order = params.text("order") or "active"
    if order not in ORDERS:
        raise ApiError(422, f"order must be one of {', '.join(ORDERS)}")
    limit = min(params.integer("limit", DEFAULT_LIMIT, minimum=1) or DEFAULT_LIMIT, MAX_LIMIT)
    page = DirectoryPage(order, params.boolean("local"), params.integer("offset", 0, minimum=0) or 0, limit)
    account = await optional_account(request, "read:accounts")
    async with request.app[DATABASE].session() as session:
        ids = await directory(session, page, account.actor_id if account else None)
        return web.json_response(await accounts_json(request, session, ids))
