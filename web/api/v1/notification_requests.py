"""`/api/v1/notifications/requests`: the caller's notification requests — list, read, accept, dismiss, merged.

A request gathers the notifications one sender's filtered by the caller's policy
(essaim.actors.notification_policy); its count and last post are of the notifications the caller
may still see (the visibility rule, mutes), and a request left with none is not shown. Accepting
merges them into the lists at once, so `merged` is always true. Another person's request is 404.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.hydrate import StatusData, load_accounts
from essaim.actors.models import Notification, NotificationRequest
from essaim.actors.notification_policy import pending_requests
from essaim.actors.paging import newest_first, windowed
from essaim.outbox.actions.notification_requests import do_accept, do_dismiss, owned_request, owned_requests
from essaim.uris import LocalURIs
from essaim.web.api.auth import authenticate
from essaim.web.api.entities.notification_request import render_request
from essaim.web.api.pagination import page_request
from essaim.web.api.params import Params, parse_id
from essaim.web.api.render import page_response
from essaim.web.api.v1.notifications import hydrate_notifications, visible_notifications
from essaim.web.errors import ApiError
from essaim.web.keys import DATABASE, URIS

routes = web.RouteTableDef()
REQUEST = r"/api/v1/notifications/requests/{id:\d+}"


async def _last_statuses(session: AsyncSession, viewer_id: int, senders: set[int]) -> dict[int, StatusData]:
    """Per sender, the post of their newest filtered notification that has one and the viewer may see."""
    held = visible_notifications(viewer_id, include_filtered=True).where(
        Notification.filtered.is_(True), Notification.from_actor_id.in_(senders), Notification.status_id.is_not(None)
    )
    newest = held.with_only_columns(func.max(Notification.id)).group_by(Notification.from_actor_id)
    rows = list((await session.scalars(select(Notification).where(Notification.id.in_(newest)))).all())
    return {n.from_actor_id: status for n, _, status in await hydrate_notifications(session, rows, viewer_id) if status}


async def _render(
    session: AsyncSession, uris: LocalURIs, viewer_id: int, rows: list[tuple[NotificationRequest, int]]
) -> list[dict[str, object]]:
    senders = {request.from_actor_id for request, _ in rows}
    accounts = await load_accounts(session, senders)
    statuses = await _last_statuses(session, viewer_id, senders)
    return [
        render_request(request, count, accounts[request.from_actor_id], statuses.get(request.from_actor_id), uris)
        for request, count in rows
        if request.from_actor_id in accounts
    ]


def _pending(viewer_id: int) -> Select[NotificationRequest, int]:
    """The caller's requests holding notifications they may see, with how many."""
    return pending_requests(viewer_id, visible_notifications(viewer_id, include_filtered=True))


@routes.get("/api/v1/notifications/requests")
async def index(request: web.Request) -> web.Response:
    token = await authenticate(request, "read:notifications")
    viewer = token.user.actor_id
    window = page_request(await Params.of(request), default=40, maximum=80)
    async with request.app[DATABASE].session() as session:
        rows = [
            (r, int(n)) for r, n in (await session.execute(windowed(_pending(viewer), NotificationRequest.id, window)))
        ]
        rows = newest_first(rows, window, key=lambda row: row[0].id)
        items = await _render(session, request.app[URIS], viewer, rows)
    return page_response(request, items, [r.id for r, _ in rows])


@routes.get("/api/v1/notifications/requests/merged")
async def merged(request: web.Request) -> web.Response:
    """Accepted notifications are merged in the accepting transaction: there is never a merge under way."""
    await authenticate(request, "read:notifications")
    return web.json_response({"merged": True})


@routes.get(REQUEST)
async def show(request: web.Request) -> web.Response:
    token = await authenticate(request, "read:notifications")
    viewer = token.user.actor_id
    query = _pending(viewer).where(NotificationRequest.id == parse_id(request.match_info["id"]))
    async with request.app[DATABASE].session() as session:
        rows = [(r, int(n)) for r, n in (await session.execute(query))]
        items = await _render(session, request.app[URIS], viewer, rows)
    if not items:
        raise ApiError(404, "Record not found")
    return web.json_response(items[0])


Settle = Callable[[AsyncSession, NotificationRequest], Awaitable[None]]


async def _settle(request: web.Request, settle: Settle, *, many: bool) -> web.Response:
    """Accept or dismiss the request in the path (404 unless the caller's), or the caller's among `id[]`."""
    token = await authenticate(request, "write:notifications")
    viewer = token.user.actor_id
    ids = [parse_id(str(i)) for i in (await Params.of(request)).many("id")] if many else []
    async with request.app[DATABASE].transaction() as session:
        if many:
            found = await owned_requests(session, viewer, ids)
        else:
            found = [await owned_request(session, viewer, parse_id(request.match_info["id"]))]
        for each in found:
            await settle(session, each)
    return web.json_response({})


@routes.post(REQUEST + "/accept")
async def accept(request: web.Request) -> web.Response:
    return await _settle(request, do_accept, many=False)


@routes.post(REQUEST + "/dismiss")
async def dismiss(request: web.Request) -> web.Response:
    return await _settle(request, do_dismiss, many=False)


@routes.post("/api/v1/notifications/requests/accept")
async def accept_many(request: web.Request) -> web.Response:
    """Others' ids among `id[]` are ignored, as Mastodon does."""
    return await _settle(request, do_accept, many=True)


@routes.post("/api/v1/notifications/requests/dismiss")
async def dismiss_many(request: web.Request) -> web.Response:
    return await _settle(request, do_dismiss, many=True)
