"""Paging parameters from a request, and `Link` headers with `rel="next"` first (toot reads only that)."""

from __future__ import annotations

from aiohttp import web
from yarl import URL

from essaim.actors.paging import Window
from essaim.web.api.params import Params
from essaim.web.keys import CONFIG


def page_request(params: Params, *, default: int = 20, maximum: int = 40) -> Window:
    limit = params.integer("limit", default, minimum=1) or default
    return Window(params.id("max_id"), params.id("since_id"), params.id("min_id"), min(limit, maximum))


def link_header(request: web.Request, ids: list[int]) -> dict[str, str]:
    """`Link` pointing older (next) and newer (prev) from the cursor ids of the page just served (newest first)."""
    if not ids:
        return {}
    base = URL(request.app[CONFIG].base_url + request.path).with_query(
        [(k, v) for k, v in request.query.items() if k not in ("max_id", "min_id", "since_id", "access_token")]
    )
    next_url = base.update_query(max_id=str(min(ids)))
    prev_url = base.update_query(min_id=str(max(ids)))
    return {"Link": f'<{next_url}>; rel="next", <{prev_url}>; rel="prev"'}
