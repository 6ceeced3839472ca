"""`/api/v2/notifications`: grouped notifications (list, one group, its accounts, dismiss, unread count).

The rows are those of `/api/v1/notifications` (same visibility rule, filters and mutes); groups
are formed on read (essaim.actors.notification_groups). A page is paged by notification id like
Mastodon's, so a group cut at a page's edge goes on, under the same key, in the next page.
"""

from __future__ import annotations

from dataclasses import replace

from aiohttp import web
from sqlalchemy import ColumnElement, delete, func, select

from essaim.actors.models import Notification
from essaim.actors.notification_groups import GROUPABLE, Group, gather, group_key, group_members
from essaim.actors.paging import newest_first, windowed
from essaim.web.api.auth import authenticate
from essaim.web.api.entities.account import render_account
from essaim.web.api.entities.notification import render_grouped
from essaim.web.api.pagination import link_header, page_request
from essaim.web.api.params import Params
from essaim.web.api.render import page_response
from essaim.web.api.v1.notifications import filtered, hydrate_notifications, visible_notifications
from essaim.web.errors import ApiError
from essaim.web.keys import DATABASE, URIS

routes = web.RouteTableDef()
ROWS_PER_GROUP = 10  # rows read per group asked for: enough for busy groups, bounded per request
UNREAD_SCAN = 2000  # newest rows whose groups `unread_count` counts
KEY = r"{group_key:[a-z]+(?:-\d+)+}"


def _grouped_types(params: Params) -> frozenset[str]:
    return frozenset(params.many("grouped_types")) & GROUPABLE if "grouped_types" in params else GROUPABLE


def _members(key: str) -> ColumnElement[bool]:
    condition = group_members(key)
    if condition is None:
        raise ApiError(404, "Record not found")
    return condition


@routes.get("/api/v2/notifications")
async def index(request: web.Request) -> web.Response:
    token = await authenticate(request, "read:notifications")
    viewer = token.user.actor_id
    params = await Params.of(request)
    window = page_request(params, default=40, maximum=80)
    query = filtered(visible_notifications(viewer, include_filtered=params.boolean("include_filtered")), params)
    reading = replace(window, limit=window.limit * ROWS_PER_GROUP)
    async with request.app[DATABASE].session() as session:
        rows = list((await session.scalars(windowed(query, Notification.id, reading))).all())
        shown = await hydrate_notifications(session, rows, viewer)
    groups, used = gather(rows, shown, window.limit, _grouped_types(params))
    partial = params.text("expand_accounts") == "partial_avatars"
    body = render_grouped(groups, viewer, request.app[URIS], partial=partial)
    return web.json_response(body, headers=link_header(request, used))


@routes.get("/api/v2/notifications/unread_count")
async def unread_count(request: web.Request) -> web.Response:
    """The number of groups among the newest notifications (all unread, as v1's count), capped by `limit`."""
    token = await authenticate(request, "read:notifications")
    params = await Params.of(request)
    limit = min(params.integer("limit", 100, minimum=1) or 100, 1000)
    query = filtered(visible_notifications(token.user.actor_id), params).order_by(Notification.id.desc())
    async with request.app[DATABASE].session() as session:
        rows = (await session.scalars(query.limit(UNREAD_SCAN))).all()
    grouped_types = _grouped_types(params)
    keys = {group_key(row, grouped_types) for row in rows}
    return web.json_response({"count": min(len(keys), limit)})


@routes.get(f"/api/v2/notifications/{KEY}")
async def show(request: web.Request) -> web.Response:
    """One group, whole: every visible member counts, the newest give the samples."""
    token = await authenticate(request, "read:notifications")
    viewer = token.user.actor_id
    members = visible_notifications(viewer).where(_members(request.match_info["group_key"]))
    async with request.app[DATABASE].session() as session:
        count = await session.scalar(select(func.count()).select_from(members.subquery()))
        rows = list((await session.scalars(members.order_by(Notification.id.desc()).limit(40))).all())
        shown = await hydrate_notifications(session, rows, viewer)
    if not shown:
        raise ApiError(404, "Record not found")
    group = Group(request.match_info["group_key"], shown)
    body = render_grouped([group], viewer, request.app[URIS], partial=False)
    body["notification_groups"][0]["notifications_count"] = int(count or 0)
    return web.json_response(body)


@routes.get(f"/api/v2/notifications/{KEY}/accounts")
async def accounts(request: web.Request) -> web.Response:
    """The accounts behind a group's notifications, newest first, paged by notification id."""
    token = await authenticate(request, "read:notifications")
    viewer = token.user.actor_id
    params = await Params.of(request)
    window = page_request(params, default=40, maximum=80)
    members = visible_notifications(viewer).where(_members(request.match_info["group_key"]))
    async with request.app[DATABASE].session() as session:
        rows = list((await session.scalars(windowed(members, Notification.id, window))).all())
        rows = newest_first(rows, window, key=lambda n: n.id)
        shown = await hydrate_notifications(session, rows, viewer)
    uris = request.app[URIS]
    return page_response(request, [render_account(account, uris) for _, account, _ in shown], [n.id for n in rows])


@routes.post(f"/api/v2/notifications/{KEY}/dismiss")
async def dismiss(request: web.Request) -> web.Response:
    """Deletes every notification of the group (the caller's own only)."""
    token = await authenticate(request, "write:notifications")
    condition = _members(request.match_info["group_key"])
    async with request.app[DATABASE].transaction() as session:
        await session.execute(delete(Notification).where(Notification.recipient_id == token.user.actor_id, condition))
    return web.json_response({})
