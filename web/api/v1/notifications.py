"""`/api/v1/notifications`: list (with type and account filters, `include_filtered`), get, dismiss, clear, unread count.

A notification whose post the recipient can no longer see (say, they unfollowed the author of a
followers-only post), or from someone they may no longer hear from (a block, a silenced or
suspended server), is not shown: the visibility rule applies here as everywhere. Nor is one about
a post the recipient's `hide` filters match (their `warn` filters mark the post), nor one from someone
the recipient mutes with notifications (until the mute expires) or whose server they blocked, nor one
about a post in a thread they muted. Notifications the recipient's policy filtered wait in notification
requests (v1/notification_requests.py) and are listed only with `include_filtered=true`. The unread count
counts what is newer than their notifications marker.
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import Select, delete, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.filters import active_filters
from essaim.actors.hydrate import AccountData, StatusData, load_accounts, load_statuses
from essaim.actors.models import Marker, Notification, NotificationType, Status
from essaim.actors.mutes import notification_muted
from essaim.actors.paging import newest_first, windowed
from essaim.actors.visibility import heard_from, visible_to
from essaim.uris import LocalURIs
from essaim.web.api.auth import authenticate
from essaim.web.api.entities.notification import render_notification
from essaim.web.api.pagination import page_request
from essaim.web.api.params import Params, parse_id
from essaim.web.api.render import page_response
from essaim.web.errors import ApiError
from essaim.web.keys import DATABASE, URIS

routes = web.RouteTableDef()
TYPES = frozenset(t.value for t in NotificationType)


def visible_notifications(recipient_id: int, *, include_filtered: bool = False) -> Select[Notification]:
    """The recipient's notifications, minus those about posts they may not see or from people they may not hear,
    and minus those their notification policy filtered unless `include_filtered`."""
    readable = select(Status.id).where(visible_to(recipient_id))
    query = select(Notification) if include_filtered else select(Notification).where(Notification.filtered.is_(False))
    return query.where(
        Notification.recipient_id == recipient_id,
        or_(Notification.status_id.is_(None), Notification.status_id.in_(readable)),
        heard_from(recipient_id, Notification.from_actor_id),
        ~notification_muted(recipient_id, Notification.from_actor_id, Notification.status_id),
    )


def filtered(query: Select[Notification], params: Params) -> Select[Notification]:
    """`query` narrowed by the `types[]`, `exclude_types[]` and `account_id` parameters."""
    types = [t for t in params.many("types") if t in TYPES]
    if params.many("types"):
        query = query.where(Notification.type.in_(types))
    excluded = params.many("exclude_types")
    if excluded:
        query = query.where(Notification.type.not_in(excluded))
    if (account_id := params.id("account_id")) is not None:
        query = query.where(Notification.from_actor_id == account_id)
    return query


async def hydrate_notifications(
    session: AsyncSession, notifications: list[Notification], viewer_id: int
) -> list[tuple[Notification, AccountData, StatusData | None]]:
    """Each notification with its account and post, minus those the viewer's filters hide, in the given order."""
    accounts = await load_accounts(session, {n.from_actor_id for n in notifications})
    status_ids = {n.status_id for n in notifications if n.status_id is not None}
    rows = (await session.scalars(select(Status).where(Status.id.in_(status_ids)))).all()
    filters = await active_filters(session, viewer_id, "notifications")
    statuses = {data.status.id: data for data in filters.sift(await load_statuses(session, rows, viewer_id))}
    return [
        (n, accounts[n.from_actor_id], statuses.get(n.status_id or 0))
        for n in notifications
        if n.from_actor_id in accounts and (n.status_id is None or n.status_id in statuses)
    ]


async def notifications_json(
    session: AsyncSession, uris: LocalURIs, notifications: list[Notification], viewer_id: int
) -> list[dict[str, object]]:
    """Render notifications for their recipient (also used by live streams), minus those their filters hide."""
    hydrated = await hydrate_notifications(session, notifications, viewer_id)
    return [render_notification(n, account, status, uris) for n, account, status in hydrated]


async def _render(request: web.Request, notifications: list[Notification], viewer_id: int) -> list[dict[str, object]]:
    async with request.app[DATABASE].session() as session:
        return await notifications_json(session, request.app[URIS], notifications, viewer_id)


@routes.get("/api/v1/notifications")
async def index(request: web.Request) -> web.Response:
    token = await authenticate(request, "read:notifications")
    params = await Params.of(request)
    window = page_request(params, default=15, maximum=30)
    shown = visible_notifications(token.user.actor_id, include_filtered=params.boolean("include_filtered"))
    query = filtered(shown, params)
    async with request.app[DATABASE].session() as session:
        rows = list((await session.scalars(windowed(query, Notification.id, window))).all())
    notifications = newest_first(rows, window, key=lambda n: n.id)
    items = await _render(request, notifications, token.user.actor_id)
    return page_response(request, items, [n.id for n in notifications])


@routes.get("/api/v1/notifications/unread_count")
async def unread_count(request: web.Request) -> web.Response:
    """Notifications newer than the caller's notifications marker (all without one), capped like Mastodon."""
    token = await authenticate(request, "read:notifications")
    params = await Params.of(request)
    limit = min(params.integer("limit", 100, minimum=1) or 100, 1000)
    actor_id = token.user.actor_id
    marker = select(Marker.last_read_id).where(Marker.actor_id == actor_id, Marker.timeline == "notifications")
    unread = or_(~exists(marker), Notification.id > marker.scalar_subquery())
    query = filtered(visible_notifications(actor_id), params).where(unread).limit(limit).subquery()
    async with request.app[DATABASE].session() as session:
        count = await session.scalar(select(func.count()).select_from(query))
    return web.json_response({"count": int(count or 0)})


@routes.get(r"/api/v1/notifications/{id:\d+}")
async def show(request: web.Request) -> web.Response:
    token = await authenticate(request, "read:notifications")
    notification_id = parse_id(request.match_info["id"])
    async with request.app[DATABASE].session() as session:
        row = await session.scalar(visible_notifications(token.user.actor_id).where(Notification.id == notification_id))
    rendered = await _render(request, [row], token.user.actor_id) if row is not None else []
    if not rendered:
        raise ApiError(404, "Record not found")
    return web.json_response(rendered[0])


@routes.post("/api/v1/notifications/clear")
async def clear(request: web.Request) -> web.Response:
    token = await authenticate(request, "write:notifications")
    async with request.app[DATABASE].transaction() as session:
        await session.execute(delete(Notification).where(Notification.recipient_id == token.user.actor_id))
    return web.json_response({})


@routes.post(r"/api/v1/notifications/{id:\d+}/dismiss")
async def dismiss(request: web.Request) -> web.Response:
    token = await authenticate(request, "write:notifications")
    notification_id = parse_id(request.match_info["id"])
    async with request.app[DATABASE].transaction() as session:
        result = await session.execute(
            delete(Notification).where(
                Notification.id == notification_id, Notification.recipient_id == token.user.actor_id
            )
        )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise ApiError(404, "Record not found")
    return web.json_response({})
