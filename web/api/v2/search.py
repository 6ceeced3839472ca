"""`GET /api/v2/search`: accounts, statuses and hashtags this node knows.

With `resolve=true` and a signed-in searcher (as in Mastodon), a remote `@user@host` or an
actor's URL that this node does not know yet is looked up on its server, stored, and listed
first among the accounts.
"""

from __future__ import annotations

from aiohttp import web

from essaim.actors.search import search_accounts, search_statuses, search_tags
from essaim.actors.tags import tag_flags
from essaim.web.api.auth import optional_account
from essaim.web.api.entities.tag import render_tag
from essaim.web.api.params import Params
from essaim.web.api.render import accounts_json, statuses_json
from essaim.web.api.v1.accounts import is_remote_handle, resolve_account
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
    following_of = viewer.actor_id if viewer and params.boolean("following") else None
    resolved = None
    if "accounts" in wanted and params.boolean("resolve") and viewer is not None and not offset:
        reference = q.strip()
        if reference.startswith(("https://", "http://")) or is_remote_handle(request, reference):
            resolved = await resolve_account(request, reference)
    async with request.app[DATABASE].session() as session:
        if "accounts" in wanted:
            ids = await search_accounts(
                session,
                q,
                limit=limit,
                offset=offset,
                following_of=following_of,
                local_domain=request.app[CONFIG].domain,
            )
            found = list(ids)
            if resolved is not None:
                found = [resolved, *(i for i in found if i != resolved)][:limit]
            result["accounts"] = list(await accounts_json(request, session, found))
        if "statuses" in wanted and viewer is not None:  # post search needs a signed-in searcher, as in Mastodon
            posts = await search_statuses(
                session, q, viewer.actor_id, limit=limit, offset=offset, author_id=params.id("account_id")
            )
            result["statuses"] = list(await statuses_json(request, session, posts, viewer.actor_id))
        if "hashtags" in wanted:
            tags = await search_tags(session, q, limit=limit, offset=offset)
            flags = await tag_flags(session, viewer.actor_id, [t.id for t in tags]) if viewer is not None else None
            result["hashtags"] = [render_tag(t, request.app[URIS], flags) for t in tags]
    return web.json_response(result)
