"""`GET /api/v2/search`: accounts, statuses and hashtags this node knows.

Resolving remote `@user@host` and URLs (`resolve=true`) arrives with federation (#5);
until then `resolve` is accepted and searches local knowledge only.
"""

from __future__ import annotations

from aiohttp import web

from essaim.actors.search import search_accounts, search_statuses, search_tags
from essaim.web.api.auth import optional_account
from essaim.web.api.params import Params
from essaim.web.api.render import accounts_json, statuses_json
from essaim.web.errors import ApiError
from essaim.web.keys import CONFIG, DATABASE, URIS

routes = web.RouteTableDef()
TYPES = ("accounts", "statuses", "hashtags")


@routes.get("/api/v2/search")
async def search(request: web.Request) -> web.Response:
    params = await Params.of(request)
    viewer = await optional_account(request, "read:search")
    q = params.text("q", "", max_length=500) or ""
    kind = params.text("type")
    if kind is not None and kind not in TYPES:
        raise ApiError(422, f"type must be one of {', '.join(TYPES)}")
    limit = min(params.integer("limit", 20, minimum=1) or 20, 40)
    offset = params.integer("offset", 0, minimum=0) or 0
    if offset and viewer is None:
        raise ApiError(401, "Search queries with offset require an authenticated user")
    wanted = TYPES if kind is None else (kind,)
    result: dict[str, list[object]] = {name: [] for name in TYPES}
    async with request.app[DATABASE].session() as session:
        if "accounts" in wanted:
            following_of = viewer.actor_id if viewer and params.boolean("following") else None
            ids = await search_accounts(
                session,
                q,
                limit=limit,
                offset=offset,
                following_of=following_of,
                local_domain=request.app[CONFIG].domain,
            )
            result["accounts"] = list(await accounts_json(request, session, list(ids)))
        if "statuses" in wanted and viewer is not None:  # post search needs a signed-in searcher, as in Mastodon
            posts = await search_statuses(
                session, q, viewer.actor_id, limit=limit, offset=offset, author_id=params.id("account_id")
            )
            result["statuses"] = list(await statuses_json(request, session, posts, viewer.actor_id))
        if "hashtags" in wanted:
            tags = await search_tags(session, q, limit=limit, offset=offset)
            uris = request.app[URIS]
            result["hashtags"] = [{"name": t.display_name, "url": uris.tag_page(t.name), "history": []} for t in tags]
    return web.json_response(result)
