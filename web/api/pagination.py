"""Mastodon's paging: `max_id`, `since_id`, `min_id`, `limit`, and `Link` headers with `rel="next"` first."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web
from yarl import URL

from essaim.web.api.params import Params
from essaim.web.keys import CONFIG


@dataclass(frozen=True)
class PageRequest:
    max_id: int | None
    since_id: int | None
    min_id: int | None
    limit: int

    @property
    def ascending(self) -> bool:
        """`min_id` pages forward from a cursor: the oldest rows above it, shown newest first."""
        return self.min_id is not None and self.since_id is None


def page_request(params: Params, *, default: int = 20, maximum: int = 40) -> PageRequest:
    limit = params.integer("limit", default, minimum=1) or default
    return PageRequest(params.id("max_id"), params.id("since_id"), params.id("min_id"), min(limit, maximum))


def link_header(request: web.Request, ids: list[int], page: PageRequest) -> dict[str, str]:
    """`Link` pointing older (next) and newer (prev) from the ids of the page just served (newest first)."""
    if not ids:
        return {}
    base = URL(request.app[CONFIG].base_url + request.path).with_query(
        [(k, v) for k, v in request.query.items() if k not in ("max_id", "min_id", "since_id")]
    )
    next_url = base.update_query(max_id=str(ids[-1]))
    prev_url = base.update_query(min_id=str(ids[0]))
    return {"Link": f'<{next_url}>; rel="next", <{prev_url}>; rel="prev"'}
