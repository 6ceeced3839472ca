"""`/api/v1/accounts`: reading accounts — one or several, by handle, by search, their posts and follows.

Anyone may read an account, its public posts and its follow lists, as on Mastodon; what a post
list shows depends on who asks (`visible_to`). Accounts are the actors `actors.relationships.shown`
keeps: remote actors and enabled local people. `lookup` and `search?resolve=true` find remote
people this node does not know yet (WebFinger, then their actor document) and store them.
Writing (credentials, follows) lives in `credentials.py` and `follows.py`, which share the
helpers at the top of this module.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from aiohttp import web
from sqlalchemy import Select, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased

from essaim.actors.hydrate import load_accounts
from essaim.actors.models import Actor, Follow, MediaAttachment, Status, StatusPin, StatusTag, Tag
from essaim.actors.paging import Window, newest_first, windowed
from essaim.actors.relationships import shown, shown_actor, shown_by_handle
from essaim.actors.search import search_accounts
from essaim.actors.visibility import visible_to
from essaim.inbox.resolve import ActorResolver, ResolveError
from essaim.web.api.auth import authenticate, current_token, optional_account
from essaim.web.api.entities.account import render_account
from essaim.web.api.node import local_node
from essaim.web.api.pagination import page_request
from essaim.web.api.params import Params, parse_id
from essaim.web.api.render import accounts_json, page_response, statuses_json
from essaim.web.errors import ApiError
from essaim.web.federation import FEDERATION_POLICY, HTTP_CLIENT
from essaim.web.keys import CONFIG, DATABASE, URIS

routes = web.RouteTableDef()
ACCOUNT = r"/api/v1/accounts/{id:\d+}"
MAX_IDS = 80  # ids per request for the `id[]` endpoints
# `user@host` or `@user@host` (what people type to find someone on another node).
REMOTE_HANDLE = re.compile(r"^@?[^@\s/]+@[^@\s/]+$")

log = logging.getLogger(__name__)


async def viewer_id(request: web.Request) -> int | None:
    """The signed-in person's actor id, None without a token (or with an app's own)."""
    token = await current_token(request)
    return token.account.actor_id if token is not None and token.account is not None else None


async def account_or_404(session: AsyncSession, request: web.Request) -> Actor:
    """The account named by the path's `{id}` as the reader may see it; 404 when unknown or not shown
    (no difference is visible)."""
    actor = await shown_actor(session, parse_id(request.match_info["id"]), await viewer_id(request))
    if actor is None:
        raise ApiError(404, "Record not found")
    return actor


def id_list(params: Params, name: str = "id") -> list[int]:
    """`id[]=…` values, deduplicated in order; values that cannot be ids match nothing, as in Mastodon."""
    ids: dict[int, None] = {}
    for value in params.many(name)[:MAX_IDS]:
        text = str(value)
        if text.isdigit() and len(text) <= 19 and int(text) < 2**63:
            ids[int(text)] = None
    return list(ids)


async def shown_ids(session: AsyncSession, ids: Sequence[int]) -> list[int]:
    """The ids among `ids` that name shown accounts, in the order given."""
    found = set((await session.scalars(select(Actor.id).where(Actor.id.in_(ids), shown()))).all())
    return [i for i in ids if i in found]


async def account_json(request: web.Request, session: AsyncSession, actor: Actor) -> dict[str, Any]:
    data = await load_accounts(session, [actor.id])
    return render_account(data[actor.id], request.app[URIS])


@routes.get("/api/v1/accounts")
async def index(request: web.Request) -> web.Response:
    """Several accounts at once (`id[]`), skipping unknown ones."""
    params = await Params.of(request)
    async with request.app[DATABASE].session() as session:
        return web.json_response(await accounts_json(request, session, await shown_ids(session, id_list(params))))


def actor_resolver(request: web.Request) -> ActorResolver:
    app = request.app
    return ActorResolver(app[DATABASE], app[HTTP_CLIENT], app[FEDERATION_POLICY])


async def resolve_account(request: web.Request, reference: str) -> int | None:
    """The account id of a remote handle (`user@host`) or actor URL, fetched and stored if new; None when
    it cannot be found or trusted (the reason is logged), or is not shown as an account."""
    resolver = actor_resolver(request)
    try:
        if reference.startswith(("https://", "http://")):
            actor = await resolver.actor(reference)
        else:
            actor = await resolver.by_handle(reference)
    except ResolveError as error:
        log.info("could not resolve %r: %s", reference[:300], error)
        return None
    async with request.app[DATABASE].session() as session:
        return actor.id if await shown_ids(session, [actor.id]) else None


def is_remote_handle(request: web.Request, text: str) -> bool:
    """`user@host` with a host other than this node's."""
    text = text.strip()
    if not REMOTE_HANDLE.match(text):
        return False
    return text.rpartition("@")[2].lower() not in local_node(request).local_domains


@routes.get(ACCOUNT)
async def show(request: web.Request) -> web.Response:
    async with request.app[DATABASE].session() as session:
        return web.json_response(await account_json(request, session, await account_or_404(session, request)))


@routes.get("/api/v1/accounts/lookup")
async def lookup(request: web.Request) -> web.Response:
    """`acct` as `user`, `@user`, `user@domain` or `acct:user@domain`; this node's domain means a local account."""
    params = await Params.of(request)
    acct = (params.text("acct", "", max_length=600) or "").strip().removeprefix("acct:").lstrip("@")
    username, _, domain = acct.partition("@")
    if not username:
        raise ApiError(422, "acct is required: a username or user@domain")
    local = not domain or domain.lower() in local_node(request).local_domains
    viewer = await viewer_id(request)
    async with request.app[DATABASE].session() as session:
        actor = await shown_by_handle(session, username, None if local else domain, viewer)
    if actor is None and not local:  # someone on another node we have not met: ask their server
        resolved = await resolve_account(request, f"{username}@{domain}")
        if resolved is not None:
            async with request.app[DATABASE].session() as session:
                actor = await shown_actor(session, resolved)
    if actor is None:
        raise ApiError(404, "Record not found")
    async with request.app[DATABASE].session() as session:
        return web.json_response(await account_json(request, session, actor))


@routes.get("/api/v1/accounts/search")
async def search(request: web.Request) -> web.Response:
    """Handles, names and the directory (department, site, job title, skills).

    With `resolve=true`, a `user@host` on another node that is not known yet is looked up on its
    server first, and comes first in the results.
    """
    token = await authenticate(request, "read:accounts")
    params = await Params.of(request)
    q = params.text("q", "", max_length=500) or ""
    limit = min(params.integer("limit", 40, minimum=1) or 40, 80)
    offset = params.integer("offset", 0, minimum=0) or 0
    resolve = params.boolean("resolve")
    following_of = token.user.actor_id if params.boolean("following") else None
    resolved = None
    if resolve and not offset and following_of is None and is_remote_handle(request, q):
        resolved = await resolve_account(request, q.strip())
    async with request.app[DATABASE].session() as session:
        ids = await search_accounts(
            session,
            q,
            limit=limit,
            offset=offset,
            following_of=following_of,
            local_domain=request.app[CONFIG].domain,
            viewer_id=token.user.actor_id,
        )
        found = list(ids)
        if resolved is not None:
            found = [resolved, *(i for i in found if i != resolved)][:limit]
        return web.json_response(await accounts_json(request, session, found))


def _filtered_posts(query: Select[Status], actor_id: int, params: Params) -> Select[Status]:
    if params.boolean("pinned"):
        query = query.where(exists().where(StatusPin.status_id == Status.id, StatusPin.actor_id == actor_id))
    if params.boolean("exclude_replies"):  # replies to others; a thread of one's own stays
        query = query.where(or_(Status.in_reply_to_id.is_(None), Status.in_reply_to_account_id == actor_id))
    if params.boolean("exclude_reblogs"):
        query = query.where(Status.reblog_of_id.is_(None))
    if params.boolean("only_media"):
        query = query.where(exists().where(MediaAttachment.status_id == Status.id))
    tag = (params.text("tagged", "", max_length=100) or "").strip().lstrip("#").lower()
    if tag:
        query = query.where(
            exists().where(StatusTag.status_id == Status.id, StatusTag.tag_id == Tag.id, Tag.name == tag)
        )
    return query


@routes.get(ACCOUNT + "/statuses")
async def statuses(request: web.Request) -> web.Response:
    params = await Params.of(request)
    viewer = await optional_account(request, "read:statuses")
    viewer_id = viewer.actor_id if viewer else None
    window = page_request(params)
    async with request.app[DATABASE].session() as session:
        actor = await account_or_404(session, request)
        query = _filtered_posts(
            select(Status).where(Status.actor_id == actor.id, visible_to(viewer_id)), actor.id, params
        )
        rows = list((await session.scalars(windowed(query, Status.id, window))).all())
        posts = newest_first(rows, window, key=lambda s: s.id)
        items = await statuses_json(request, session, posts, viewer_id, "account")
    return page_response(request, items, [s.id for s in posts])


async def account_page(
    request: web.Request,
    session: AsyncSession,
    query: Select[int, int],
    key: InstrumentedAttribute[int],
    window: Window,
) -> web.Response:
    """A page of accounts from (row id, actor id) rows, paged by `key`, the row id (when the follow or block began)."""
    rows = list((await session.execute(windowed(query, key, window))).all())
    rows = newest_first(rows, window, key=lambda row: row[0])
    items = await accounts_json(request, session, [actor_id for _, actor_id in rows])
    return page_response(request, items, [row_id for row_id, _ in rows])


def follows_of(side: str, actor_id: int, *, accepted: bool = True) -> Select[int, int]:
    """(follow id, other actor id) for the followers (`side="followers"`) or followees of `actor_id`."""
    mine, other = (
        (Follow.followee_id, Follow.follower_id) if side == "followers" else (Follow.follower_id, Follow.followee_id)
    )
    return (
        select(Follow.id, Actor.id)
        .join(Actor, Actor.id == other)
        .where(mine == actor_id, Follow.accepted.is_(accepted), shown())
    )


@routes.get(ACCOUNT + "/followers")
async def followers(request: web.Request) -> web.Response:
    return await _follow_list(request, "followers")


@routes.get(ACCOUNT + "/following")
async def following(request: web.Request) -> web.Response:
    return await _follow_list(request, "following")


async def _follow_list(request: web.Request, side: str) -> web.Response:
    window = page_request(await Params.of(request), default=40, maximum=80)
    async with request.app[DATABASE].session() as session:
        actor = await account_or_404(session, request)
        return await account_page(request, session, follows_of(side, actor.id), Follow.id, window)


@routes.get("/api/v1/accounts/familiar_followers")
async def familiar_followers(request: web.Request) -> web.Response:
    """For each account: the people the caller follows who follow it too."""
    token = await authenticate(request, "read:follows")
    me = token.user.actor_id
    async with request.app[DATABASE].session() as session:
        ids = await shown_ids(session, id_list(await Params.of(request)))
        mine = aliased(Follow)
        query = (
            select(Follow.followee_id, Follow.follower_id)
            .join(mine, and_(mine.followee_id == Follow.follower_id, mine.follower_id == me, mine.accepted.is_(True)))
            .join(Actor, Actor.id == Follow.follower_id)
            .where(Follow.followee_id.in_(ids), Follow.accepted.is_(True), shown())
        )
        pairs = (await session.execute(query.order_by(Follow.id.desc()))).all()
        result = []
        for account_id in ids:
            known = [follower for followee, follower in pairs if followee == account_id]
            result.append({"id": str(account_id), "accounts": await accounts_json(request, session, known)})
    return web.json_response(result)
