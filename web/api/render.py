"""Turn rows into API responses: hydrate a page of posts or accounts once, render each, add `Link`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.filters import active_filters
from essaim.actors.hydrate import StatusData, load_accounts, load_statuses
from essaim.actors.models import Status
from essaim.uris import LocalURIs
from essaim.web.api.entities.account import render_account
from essaim.web.api.entities.status import render_status
from essaim.web.api.pagination import link_header
from essaim.web.keys import URIS


async def statuses_json(
    request: web.Request,
    session: AsyncSession,
    statuses: Sequence[Status],
    viewer_id: int | None,
    context: str | None = None,
) -> list[dict[str, Any]]:
    """Rendered posts; read in a filter `context` (home, public…), the viewer's filters hide or mark them."""
    return await render_statuses(session, request.app[URIS], statuses, viewer_id, context)


async def render_statuses(
    session: AsyncSession,
    uris: LocalURIs,
    statuses: Sequence[Status],
    viewer_id: int | None,
    context: str | None = None,
) -> list[dict[str, Any]]:
    """`statuses_json` outside a request: the same hydration and filters."""
    return await render_loaded(session, uris, await load_statuses(session, statuses, viewer_id), viewer_id, context)


async def render_loaded(
    session: AsyncSession,
    uris: LocalURIs,
    page: list[StatusData],
    viewer_id: int | None,
    context: str | None = None,
) -> list[dict[str, Any]]:
    """`render_statuses` of posts already hydrated for `viewer_id` (live streams share one hydration)."""
    if context is not None:
        page = (await active_filters(session, viewer_id, context)).sift(page)
    return [render_status(data, uris, viewer_id) for data in page]


async def accounts_json(request: web.Request, session: AsyncSession, actor_ids: Sequence[int]) -> list[dict[str, Any]]:
    """Accounts in the order given (missing ones skipped)."""
    uris = request.app[URIS]
    loaded = await load_accounts(session, actor_ids)
    return [render_account(loaded[i], uris) for i in actor_ids if i in loaded]


def page_response(request: web.Request, items: list[Any], cursor_ids: list[int]) -> web.Response:
    """A JSON list with the `Link` header built from the page's cursor ids (row ids, not always entity ids)."""
    return web.json_response(items, headers=link_header(request, cursor_ids))
