"""`/api/v1/statuses`: post, read, edit and delete posts; threads; favourites, boosts, bookmarks, pins, thread mutes.

Handlers parse, call one action of outbox/actions inside a transaction, then render what
the viewer may see. Every read goes through the visibility rule: a post one cannot read is
a 404, on the post itself and on everything hanging off it (thread, who favourited, who boosted).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from sqlalchemy import Select, literal_column, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import Label

from essaim.actors.hydrate import load_accounts
from essaim.actors.models import Actor, Favourite, MediaAttachment, Status, StatusEdit
from essaim.actors.mutes import unmuted_for
from essaim.actors.paging import newest_first, windowed
from essaim.actors.visibility import visible_status, visible_to
from essaim.outbox.actions import NotFound, interaction_target
from essaim.outbox.actions import interactions as act
from essaim.outbox.actions.edits import check_edit_status, do_edit_status
from essaim.outbox.actions.personal_domain_blocks import do_mute_thread, do_unmute_thread
from essaim.outbox.actions.post_removal import do_remove_post, moderated_post
from essaim.outbox.actions.statuses import (
    PollDraft,
    StatusDraft,
    check_create_status,
    check_delete_status,
    check_idempotency_key,
    do_create_status,
    do_delete_status,
    replayed_status,
)
from essaim.web.api.auth import authenticate, optional_account
from essaim.web.api.entities.account import render_account
from essaim.web.api.entities.common import timestamp
from essaim.web.api.entities.media import render_media
from essaim.web.api.node import local_node
from essaim.web.api.pagination import page_request
from essaim.web.api.params import Params, parse_id
from essaim.web.api.render import accounts_json, page_response, statuses_json
from essaim.web.api.v1.scheduled_statuses import schedule
from essaim.web.errors import ApiError
from essaim.web.federation import backfill_replies
from essaim.web.keys import DATABASE, URIS

routes = web.RouteTableDef()

MAX_ANCESTORS = 40
MAX_DESCENDANTS = 4096
MAX_DEPTH = 256
MAX_IDS = 40  # GET /api/v1/statuses?id[]=…
MAX_INDEXED = 20  # `name[0]`…`name[20]`: more than any limit, so "too many" is still reported
_DEPTH_ONE: Label[int] = literal_column("1").label("depth")


def _status_id(request: web.Request) -> int:
    return parse_id(request.match_info["id"])


async def render_one(request: web.Request, session: AsyncSession, status: Status, viewer_id: int | None) -> Any:
    return (await statuses_json(request, session, [status], viewer_id))[0]


async def _respond(request: web.Request, status: Status, viewer_id: int) -> web.Response:
    async with request.app[DATABASE].session() as session:
        return web.json_response(await render_one(request, session, status, viewer_id))


async def _readable(request: web.Request, session: AsyncSession, viewer_id: int | None) -> Status:
    status = await visible_status(session, _status_id(request), viewer_id)
    if status is None:
        raise ApiError(404, "Record not found")
    return status


async def _viewer(request: web.Request) -> int | None:
    account = await optional_account(request, "read:statuses")
    return account.actor_id if account else None


def _array(params: Params, name: str) -> list[Any]:
    """`name[]=…` (or a JSON list), or PHP-style `name[0]=…&name[1]=…`, which some form clients send."""
    values = params.many(name)
    index = 0
    while not values and index <= MAX_INDEXED and params.raw(f"{name}[{index}]") is not None:
        index += 1
    return values or [params.raw(f"{name}[{i}]") for i in range(index)]


def _draft(params: Params) -> StatusDraft:
    """Every field a post takes, as given (None where not given)."""
    options = _array(params, "poll[options]")
    poll = None
    if options or "poll[expires_in]" in params:
        poll = PollDraft(
            [str(option) for option in options],
            params.integer("poll[expires_in]"),
            params.boolean("poll[multiple]"),
            params.boolean("poll[hide_totals]"),
        )
    return StatusDraft(
        text=params.text("status"),
        spoiler_text=params.text("spoiler_text"),
        sensitive=params.boolean("sensitive") if params.raw("sensitive") is not None else None,
        visibility=params.text("visibility"),
        language=params.text("language"),
        in_reply_to_id=params.id("in_reply_to_id"),
        media_ids=[parse_id(str(value), "media_ids[]") for value in _array(params, "media_ids")],
        poll=poll,
    )


# --- posting -------------------------------------------------------------------------------------------


@routes.post("/api/v1/statuses")
async def create(request: web.Request) -> web.Response:
    token = await authenticate(request, "write:statuses")
    author, node = token.user, local_node(request)
    params = await Params.of(request)
    draft = _draft(params)
    scheduled_at = params.moment("scheduled_at")
    if scheduled_at is not None:
        return await schedule(request, token, draft, scheduled_at)
    database = request.app[DATABASE]
    key = check_idempotency_key(request.headers.get("Idempotency-Key"))
    try:
        async with database.transaction() as session:
            status = await replayed_status(session, author, key)
            if status is None:
                checked = await check_create_status(session, author, draft, node)
                status = await do_create_status(
                    session, checked, node, application_id=token.application_id, idempotency_key=key
                )
    except IntegrityError:
        if not key:
            raise
        async with database.transaction() as session:  # a concurrent request with the same key won the race
            replayed = await replayed_status(session, author, key)
        if replayed is None:
            raise
        status = replayed
    return await _respond(request, status, author.actor_id)


@routes.get("/api/v1/statuses")
async def many(request: web.Request) -> web.Response:
    ids = [parse_id(str(v), "id[]") for v in (await Params.of(request)).many("id")][:MAX_IDS]
    viewer = await _viewer(request)
    async with request.app[DATABASE].session() as session:
        found = {s.id: s for s in await session.scalars(select(Status).where(Status.id.in_(ids), visible_to(viewer)))}
        statuses = [found[i] for i in dict.fromkeys(ids) if i in found]
        return web.json_response(await statuses_json(request, session, statuses, viewer))


@routes.get("/api/v1/statuses/{id}")
async def show(request: web.Request) -> web.Response:
    viewer = await _viewer(request)
    async with request.app[DATABASE].session() as session:
        return web.json_response(await render_one(request, session, await _readable(request, session, viewer), viewer))


@routes.put("/api/v1/statuses/{id}")
async def edit(request: web.Request) -> web.Response:
    token = await authenticate(request, "write:statuses")
    author = token.user
    draft = _draft(await Params.of(request))
    node = local_node(request)
    async with request.app[DATABASE].transaction() as session:
        status, checked = await check_edit_status(session, author, _status_id(request), draft, node)
        status = await do_edit_status(session, status, checked, node)
    return await _respond(request, status, author.actor_id)


@routes.delete("/api/v1/statuses/{id}")
async def remove(request: web.Request) -> web.Response:
    """The deleted post with its source `text`, media and poll, for "delete and redraft"; a moderator of a
    community may delete its members' posts too (outbox/actions/post_removal.py)."""
    token = await authenticate(request, "write:statuses")
    viewer = token.user.actor_id
    async with request.app[DATABASE].transaction() as session:
        try:
            status = await check_delete_status(session, token.user, _status_id(request))
        except NotFound:  # a moderator removes a post from their community
            status = await moderated_post(session, viewer, _status_id(request))
        rendered = await render_one(request, session, status, viewer)
        rendered["text"] = status.source_text if status.source_text is not None else status.content
        remove = do_delete_status if status.actor_id == viewer else do_remove_post
        await remove(session, status, local_node(request).internal_domains)
    return web.json_response(rendered)


# --- history, source, thread ---------------------------------------------------------------------------


@routes.get("/api/v1/statuses/{id}/history")
async def history(request: web.Request) -> web.Response:
    """Every version, oldest first, the current one last (a post never edited has one)."""
    viewer = await _viewer(request)
    uris = request.app[URIS]
    async with request.app[DATABASE].session() as session:
        status = await _readable(request, session, viewer)
        edits = list(
            await session.scalars(
                select(StatusEdit)
                .where(StatusEdit.status_id == status.id)
                .order_by(StatusEdit.created_at, StatusEdit.id)
            )
        )
        if not edits:
            edits = [
                StatusEdit(
                    content=status.content,
                    spoiler_text=status.spoiler_text,
                    sensitive=status.sensitive,
                    media_ids=[],
                    poll_options=None,
                    created_at=status.published,
                )
            ]
            current = await session.scalars(
                select(MediaAttachment.id)
                .where(MediaAttachment.status_id == status.id)
                .order_by(MediaAttachment.position)
            )
            edits[0].media_ids = list(current)
        wanted = {i for edit in edits for i in edit.media_ids}
        media = {m.id: m for m in await session.scalars(select(MediaAttachment).where(MediaAttachment.id.in_(wanted)))}
        account = render_account((await load_accounts(session, [status.actor_id]))[status.actor_id], uris)
    versions = []
    for edit in edits:
        version: dict[str, Any] = {
            "content": edit.content,
            "spoiler_text": edit.spoiler_text,
            "sensitive": edit.sensitive,
            "created_at": timestamp(edit.created_at),
            "account": account,
            "media_attachments": [render_media(media[i], uris) for i in edit.media_ids if i in media],
            "emojis": [],
        }
        if edit.poll_options is not None:
            version["poll"] = {"options": [{"title": title} for title in edit.poll_options]}
        versions.append(version)
    return web.json_response(versions)


@routes.get("/api/v1/statuses/{id}/source")
async def source(request: web.Request) -> web.Response:
    token = await authenticate(request, "read:statuses")
    async with request.app[DATABASE].session() as session:
        status = await _readable(request, session, token.user.actor_id)
    text = status.source_text if status.source_text is not None else status.content
    return web.json_response({"id": str(status.id), "text": text, "spoiler_text": status.spoiler_text})


def _chain(start: Select[int, int | None, Any], step: Callable[[Any, Any], Any]) -> Any:
    """A recursive CTE of (id, in_reply_to_id, depth) from `start`, following `step(row, cte)`, depth-limited."""
    tree = start.cte("thread", recursive=True)
    other = aliased(Status)
    return tree.union_all(
        select(other.id, other.in_reply_to_id, tree.c.depth + 1).where(step(other, tree), tree.c.depth < MAX_DEPTH)
    )


async def _ancestors(session: AsyncSession, status: Status, viewer: int | None) -> list[Status]:
    """Up the reply chain, oldest first; posts the viewer cannot read are left out (the chain goes on past them)."""
    if status.in_reply_to_id is None:
        return []
    start: Select[int, int | None, Any] = select(Status.id, Status.in_reply_to_id, _DEPTH_ONE).where(
        Status.id == status.in_reply_to_id
    )
    chain = _chain(start, lambda parent, tree: parent.id == tree.c.in_reply_to_id)
    query = (
        select(Status)
        .join(chain, chain.c.id == Status.id)
        .where(visible_to(viewer), chain.c.depth <= MAX_ANCESTORS)
        .order_by(chain.c.depth.desc())
    )
    return list(await session.scalars(query))


async def _descendants(session: AsyncSession, status: Status, viewer: int | None) -> list[Status]:
    """Every reply below, depth first (each reply followed by its own replies), readable ones only, none by
    someone the viewer mutes (as Mastodon's thread filter)."""
    start: Select[int, int | None, Any] = select(Status.id, Status.in_reply_to_id, _DEPTH_ONE).where(
        Status.in_reply_to_id == status.id
    )
    tree = _chain(start, lambda child, tree: child.in_reply_to_id == tree.c.id)
    rows = await session.execute(select(tree.c.id, tree.c.in_reply_to_id).limit(MAX_DESCENDANTS))
    children: dict[int, list[int]] = defaultdict(list)
    for child_id, parent_id in rows:
        children[parent_id].append(child_id)
    ordered: list[int] = []
    seen = {status.id}
    stack = sorted(children[status.id], reverse=True)
    while stack:
        current = stack.pop()
        if current in seen:  # a cycle in remote data must not loop
            continue
        seen.add(current)
        ordered.append(current)
        stack.extend(sorted(children[current], reverse=True))
    readable = {
        s.id: s
        for s in await session.scalars(
            select(Status).where(Status.id.in_(ordered), visible_to(viewer), unmuted_for(viewer))
        )
    }
    return [readable[i] for i in ordered if i in readable]


@routes.get("/api/v1/statuses/{id}/context")
async def context(request: web.Request) -> web.Response:
    viewer = await _viewer(request)
    async with request.app[DATABASE].session() as session:
        status = await _readable(request, session, viewer)
        ancestors = await statuses_json(request, session, await _ancestors(session, status, viewer), viewer, "thread")
        descendants = await statuses_json(
            request, session, await _descendants(session, status, viewer), viewer, "thread"
        )
    await backfill_replies(request.app, status)  # a remote post: its replies we lack show in a later read
    return web.json_response({"ancestors": ancestors, "descendants": descendants})


# --- who favourited, who boosted -----------------------------------------------------------------------


async def _accounts_page(
    request: web.Request, rows_of: Callable[[Status, int | None], Select[int, int]], key: Any
) -> web.Response:
    """Accounts from (cursor id, actor id) rows of a readable post, paged by the cursor (40 by default, 80 at most)."""
    viewer = await _viewer(request)
    window = page_request(await Params.of(request), default=40, maximum=80)
    async with request.app[DATABASE].session() as session:
        status = await _readable(request, session, viewer)
        rows = list(await session.execute(windowed(rows_of(status, viewer), key, window)))
        rows = newest_first(rows, window, key=lambda row: row[0])
        items = await accounts_json(request, session, [actor_id for _, actor_id in rows])
    return page_response(request, items, [cursor for cursor, _ in rows])


@routes.get("/api/v1/statuses/{id}/favourited_by")
async def favourited_by(request: web.Request) -> web.Response:
    return await _accounts_page(
        request,
        lambda status, _: select(Favourite.id, Favourite.actor_id).where(Favourite.status_id == status.id),
        Favourite.id,
    )


@routes.get("/api/v1/statuses/{id}/reblogged_by")
async def reblogged_by(request: web.Request) -> web.Response:
    """Boosters whose boost the viewer may see (a followers-only boost is not shown to strangers)."""
    return await _accounts_page(
        request,
        lambda status, viewer: select(Status.id, Status.actor_id).where(
            Status.reblog_of_id == status.id, visible_to(viewer)
        ),
        Status.id,
    )


# --- favourite, bookmark, boost, pin -------------------------------------------------------------------

Check = Callable[[AsyncSession, Actor, int], Awaitable[Status]]
Do = Callable[[AsyncSession, Actor, Status], Awaitable[None]]


async def _target(session: AsyncSession, actor: Actor, status_id: int) -> Status:
    return await interaction_target(session, status_id, actor.id)


async def _interact(request: web.Request, scope: str, check: Check, do: Do) -> web.Response:
    """Authorise, run one interaction in a transaction, answer with the post as the actor now sees it."""
    token = await authenticate(request, scope)
    actor = token.user.actor
    async with request.app[DATABASE].transaction() as session:
        status = await check(session, actor, _status_id(request))
        await do(session, actor, status)
    return await _respond(request, status, actor.id)


@routes.post("/api/v1/statuses/{id}/favourite")
async def favourite(request: web.Request) -> web.Response:
    return await _interact(request, "write:favourites", _target, act.do_favourite)


@routes.post("/api/v1/statuses/{id}/unfavourite")
async def unfavourite(request: web.Request) -> web.Response:
    return await _interact(request, "write:favourites", _target, act.do_unfavourite)


@routes.post("/api/v1/statuses/{id}/bookmark")
async def bookmark(request: web.Request) -> web.Response:
    return await _interact(request, "write:bookmarks", _target, act.do_bookmark)


@routes.post("/api/v1/statuses/{id}/unbookmark")
async def unbookmark(request: web.Request) -> web.Response:
    return await _interact(request, "write:bookmarks", _target, act.do_unbookmark)


@routes.post("/api/v1/statuses/{id}/pin")
async def pin(request: web.Request) -> web.Response:
    return await _interact(request, "write:accounts", act.check_pin, act.do_pin)


@routes.post("/api/v1/statuses/{id}/unpin")
async def unpin(request: web.Request) -> web.Response:
    return await _interact(request, "write:accounts", act.check_unpin, act.do_unpin)


@routes.post("/api/v1/statuses/{id}/mute")
async def mute_thread(request: web.Request) -> web.Response:
    return await _interact(request, "write:mutes", _target, do_mute_thread)


@routes.post("/api/v1/statuses/{id}/unmute")
async def unmute_thread(request: web.Request) -> web.Response:
    return await _interact(request, "write:mutes", _target, do_unmute_thread)


@routes.post("/api/v1/statuses/{id}/unreblog")
async def unreblog(request: web.Request) -> web.Response:
    return await _interact(request, "write:statuses", act.check_unreblog, act.do_unreblog)


@routes.post("/api/v1/statuses/{id}/reblog")
async def reblog(request: web.Request) -> web.Response:
    """The boost itself is answered (its `reblog` holds the boosted post), as in Mastodon."""
    token = await authenticate(request, "write:statuses")
    actor = token.user.actor
    visibility = (await Params.of(request)).text("visibility")
    async with request.app[DATABASE].transaction() as session:
        original, visibility = await act.check_reblog(session, actor, _status_id(request), visibility)
        boost = await act.do_reblog(session, actor, original, visibility, local_node(request), token.application_id)
    return await _respond(request, boost, actor.id)
