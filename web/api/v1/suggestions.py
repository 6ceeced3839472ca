"""`GET /api/v2/suggestions` (with where each comes from), `GET /api/v1/suggestions` (accounts only),
`DELETE /api/v1/suggestions/:account_id`: who the caller might follow (actors/suggestions.py).
"""

from __future__ import annotations

from aiohttp import web

from essaim.actors.models import Actor
from essaim.actors.suggestions import COLLEAGUES, Suggestion, dismiss_suggestion, suggestions
from essaim.web.api.auth import authenticate
from essaim.web.api.params import Params
from essaim.web.api.render import accounts_json
from essaim.web.api.v1.accounts import account_or_404
from essaim.web.keys import DATABASE

routes = web.RouteTableDef()
DEFAULT_LIMIT, MAX_LIMIT = 40, 80


async def _found(request: web.Request) -> tuple[list[Suggestion], list[dict[str, object]]]:
    token = await authenticate(request, "read")
    limit = min((await Params.of(request)).integer("limit", DEFAULT_LIMIT, minimum=1) or DEFAULT_LIMIT, MAX_LIMIT)
    async with request.app[DATABASE].session() as session:
        viewer = await session.get(Actor, token.user.actor_id)
        assert viewer is not None, "the token's actor exists"
        found = list(await suggestions(session, viewer, limit))
        return found, await accounts_json(request, session, [s.actor_id for s in found])


@routes.get("/api/v1/suggestions")
async def index_v1(request: web.Request) -> web.Response:
    return web.json_response((await _found(request))[1])


@routes.get("/api/v2/suggestions")
async def index_v2(request: web.Request) -> web.Response:
    found, accounts = await _found(request)
    by_id = {account["id"]: account for account in accounts}
    return web.json_response(
        [
            {
                "source": "staff" if s.sources == [COLLEAGUES] else "past_interactions",
                "sources": s.sources,
                "account": by_id[str(s.actor_id)],
            }
            for s in found
            if str(s.actor_id) in by_id
        ]
    )


@routes.delete(r"/api/v1/suggestions/{id:\d+}")
async def dismiss(request: web.Request) -> web.Response:
    token = await authenticate(request, "read")
    async with request.app[DATABASE].transaction() as session:
        target = await account_or_404(session, request)
        await dismiss_suggestion(session, token.user.actor_id, target.id)
    return web.json_response({})
