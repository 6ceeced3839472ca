"""Actor documents and their collections, for people and for the node's own actor, and people's posts.

Who may read what is decided by `web/ap/authorized.py` (authorized fetch): in secure mode posts and
collections need a signed GET, and an unsigned GET of a person gets the bare technical profile.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeGuard

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors import node, queries
from essaim.actors.communities import community_of, moderators
from essaim.actors.models import Actor, ActorType, Status, Tombstone
from essaim.actors.visibility import PUBLIC_VISIBILITIES, visible_status
from essaim.federation.render.actor import render_actor, render_bare_actor
from essaim.federation.render.collection import (
    render_collection,
    render_page,
    render_replies,
    render_replies_page,
    render_whole_collection,
)
from essaim.federation.render.note import NOTE_CONTEXT, render_note, render_tombstone
from essaim.federation.render.post_activities import render_create
from essaim.federation.vocab import OBJECT_CONTEXT
from essaim.inbox.policy import peer_host
from essaim.outbox.actions import LocalNode
from essaim.outbox.followers_sync import sync_url
from essaim.outbox.note_parts import note_parts, parts_of
from essaim.web.ap.authorized import Reader, document_reader, full_actor_wanted, local_actor_for
from essaim.web.ap.responses import activity_response
from essaim.web.api.node import local_node
from essaim.web.errors import ApiError
from essaim.web.keys import CONFIG, DATABASE, URIS
from essaim.web.negotiation import Representation, content_type, negotiate
from essaim.web.pages.profiles import profile_page, status_page

routes = web.RouteTableDef()
PAGE_SIZE = 20


def _actor_id(request: web.Request) -> int:
    raw = request.match_info["actor_id"]
    if not raw.isdigit() or len(raw) > 19:
        raise ApiError(404, "Record not found")
    return int(raw)


async def _person(request: web.Request) -> Actor:
    actor = await local_actor_for(request, actor_id=_actor_id(request), handle=None)
    if actor is None:
        raise ApiError(404, "Record not found")
    return actor


def _document(request: web.Request, actor: Actor) -> dict[str, Any]:
    uris = request.app[URIS]
    document = render_actor(actor, domain=request.app[CONFIG].domain, default_avatar=uris.default_avatar)
    if actor.type == ActorType.GROUP.value:  # FEP-1b12: a community names its moderators
        document["attributedTo"] = uris.moderators(actor.id)
    return document


@routes.get(r"/users/{actor_id}")
async def person(request: web.Request) -> web.StreamResponse:
    actor = await _person(request)
    representation = negotiate(request)
    if representation is Representation.HTML:
        return await profile_page(request, actor)
    if await full_actor_wanted(request):
        document = _document(request, actor)
    else:
        document = render_bare_actor(actor, domain=request.app[CONFIG].domain)
    # In secure mode the document depends on the signature: no shared cache may hand one reader's to another.
    private = request.app[CONFIG].federation.authorized_fetch
    return activity_response(document, content_type=content_type(representation), private=private)


@routes.get(r"/users/{actor_id}/statuses/{status_id:[0-9]{1,19}}")
async def status(request: web.Request) -> web.StreamResponse:
    """A post's id: its `Note` to whoever may read it (404 to anyone else, never 403), its page for a
    browser (public and unlisted posts only), and a `Tombstone` with 410 once a public post is deleted."""
    actor = await _person(request)
    status_id = int(request.match_info["status_id"])
    representation = negotiate(request)
    if representation is Representation.HTML:
        async with request.app[DATABASE].session() as session:
            public = await queries.public_status(session, actor.id, status_id)
        if public is None:
            raise ApiError(404, "Record not found")
        return await status_page(request, actor, public)
    reader = await document_reader(request)
    async with request.app[DATABASE].session() as session:
        post = await visible_status(session, status_id, reader.viewer_id)
        if not _readable_original(post, actor):
            uri = request.app[URIS].status(actor.id, status_id)
            gone = await session.get(Tombstone, uri)
            if gone is None:
                raise ApiError(404, "Record not found")
            tombstone = render_tombstone(uri, gone.former_type, gone.deleted_at)
            return activity_response(tombstone, content_type=content_type(representation), status=410)
        parts = await parts_of(session, post, local_node(request))
        replies = await _replies_page(request, session, post, reader.viewer_id, None)
    collection_id = request.app[URIS].replies(actor.id, status_id)
    document = {"@context": NOTE_CONTEXT} | render_note(post, actor, parts)
    document["replies"] = render_replies(collection_id, replies)
    # Its replies are those the signer may read: only an anonymous reader's document may be shared.
    private = post.visibility not in PUBLIC_VISIBILITIES or reader.viewer_id is not None
    return activity_response(document, content_type=content_type(representation), private=private)


async def _replies_page(
    request: web.Request, session: AsyncSession, post: Status, viewer_id: int | None, min_id: int | None
) -> dict[str, Any]:
    items, next_min_id = await queries.replies_page(session, post.id, viewer_id, min_id, PAGE_SIZE)
    collection_id = request.app[URIS].replies(post.actor_id, post.id)
    return render_replies_page(collection_id, items, min_id=min_id, next_min_id=next_min_id)


@routes.get(r"/users/{actor_id}/statuses/{status_id:[0-9]{1,19}}/replies")
async def replies(request: web.Request) -> web.Response:
    """A post's `replies` (with `?page=true`, one page of it): the replies its reader may read, oldest first.

    As for the post itself: in secure mode for signed GETs only, and 404 unless the reader may read the post.
    """
    actor = await _person(request)
    reader = await document_reader(request)
    min_id = _cursor(request, "min_id")
    async with request.app[DATABASE].session() as session:
        post = await visible_status(session, int(request.match_info["status_id"]), reader.viewer_id)
        if not _readable_original(post, actor):
            raise ApiError(404, "Record not found")
        page = await _replies_page(request, session, post, reader.viewer_id, min_id)
    collection_id = request.app[URIS].replies(actor.id, post.id)
    document = page if "page" in request.query else render_replies(collection_id, page)
    private = post.visibility not in PUBLIC_VISIBILITIES or reader.viewer_id is not None
    return activity_response({"@context": OBJECT_CONTEXT} | document, vary=False, private=private)


def _readable_original(post: Status | None, actor: Actor) -> TypeGuard[Status]:
    """A post of `actor` itself, not a boost: the only kind its `/users/{id}/statuses/{sid}` id serves."""
    return post is not None and post.actor_id == actor.id and post.reblog_of_id is None


@routes.get("/actor")
async def instance_actor(request: web.Request) -> web.StreamResponse:
    """The node's Application actor: always served, unsigned fetches included (it signs our own fetches)."""
    representation = negotiate(request)
    if representation is Representation.HTML:
        raise web.HTTPFound("/about")
    async with request.app[DATABASE].session() as session:
        actor = await node.instance_actor(session)
    return activity_response(_document(request, actor), content_type=content_type(representation))


def _cursor(request: web.Request, name: str) -> int | None:
    raw = request.query.get(name)
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 19:
        raise ApiError(400, f"{name} must be a numeric id")
    return int(raw)


@dataclass(frozen=True)
class _Collection:
    """How to count, page and render one of a person's collections."""

    uri: Callable[[Actor], str | None]
    count: Callable[[AsyncSession, int], Awaitable[int]]
    page: Callable[[AsyncSession, int, int | None, int], Awaitable[queries.Page[Any]]]
    render_items: Callable[[AsyncSession, list[Any], Actor, LocalNode], Awaitable[list[Any]]] | None = None


async def _creates(session: AsyncSession, posts: list[Any], actor: Actor, node: LocalNode) -> list[Any]:
    """Outbox items: each post's `Create`, with its mentions, hashtags, parent and media."""
    parts = await note_parts(session, posts, node)
    return [render_create(post, actor, parts[post.id]) for post in posts]


COLLECTIONS = {
    "followers": _Collection(lambda a: a.followers_uri, queries.count_followers, queries.followers_page),
    "following": _Collection(lambda a: a.following_uri, queries.count_following, queries.following_page),
    # Public and unlisted posts only, as `Create` activities: followers-only and direct ones never appear.
    "outbox": _Collection(lambda a: a.outbox_uri, queries.count_public_posts, queries.public_posts_page, _creates),
}


@routes.get(r"/users/{actor_id}/{collection:followers|following|outbox}")
async def collection(request: web.Request) -> web.Response:
    """The collection itself (a count and a link to its first page), or one page of it with `?page=true`.

    In secure mode only for signed GETs; the outbox lists public and unlisted posts whoever signed.
    `followers?domain=HOST` is the FEP-8fcf partial collection (`partial_followers`).
    """
    actor = await _person(request)
    reader = await document_reader(request)
    if request.match_info["collection"] == "followers" and "domain" in request.query:
        return await partial_followers(request, actor, reader)
    kind = COLLECTIONS[request.match_info["collection"]]
    collection_id = kind.uri(actor) or ""
    max_id = _cursor(request, "max_id")
    async with request.app[DATABASE].session() as session:
        total = await kind.count(session, actor.id)
        if "page" not in request.query:
            return activity_response(render_collection(collection_id, total), vary=False)
        page = await kind.page(session, actor.id, max_id, PAGE_SIZE)
        items = list(page.items)
        if kind.render_items is not None:
            items = await kind.render_items(session, items, actor, local_node(request))
    return activity_response(render_page(collection_id, items, total, max_id=max_id, next_max_id=page.next_max_id))


async def partial_followers(request: web.Request, actor: Actor, reader: Reader) -> web.Response:
    """The person's followers on one server (FEP-8fcf), whole, and only for a signer from that server:
    it tells a peer which of its people follow ours, nothing about anyone else's followers."""
    domain = request.query["domain"].strip().lower()
    if reader.signer is None:
        raise ApiError(401, "Request not signed: the partial followers collection is for the server it lists")
    if peer_host(reader.signer.uri) != domain:
        raise ApiError(403, "The partial followers collection of a server is only served to that server")
    async with request.app[DATABASE].session() as session:
        uris = await queries.follower_uris(session, actor.id, domain=domain)
    return activity_response(render_whole_collection(sync_url(actor, domain), list(uris)), vary=False, private=True)


@routes.get(r"/users/{actor_id}/collections/featured")
async def featured(request: web.Request) -> web.Response:
    """The person's pinned posts (`toot:featured`) as `Note`s, only those the signer may read; a Group's pinned
    announcements of its members by their ids (each author's server serves them)."""
    actor = await _person(request)
    reader = await document_reader(request)
    async with request.app[DATABASE].session() as session:
        posts = list(await queries.pinned_posts(session, actor.id, reader.viewer_id))
        own = [post for post in posts if post.actor_id == actor.id]
        parts = await note_parts(session, own, local_node(request))
    items = [render_note(post, actor, parts[post.id]) if post.actor_id == actor.id else post.uri for post in posts]
    document = render_whole_collection(actor.featured_uri or "", items, context=NOTE_CONTEXT)
    return activity_response(document, vary=False, private=True)


@routes.get(r"/users/{actor_id}/moderators")
async def community_moderators(request: web.Request) -> web.Response:
    """A community's owners and moderators (FEP-1b12 `attributedTo`), whole: their actor ids. In secure mode
    for signed GETs, as the other collections; a secret community's only for its members and their servers."""
    actor = await _person(request)
    await document_reader(request)
    async with request.app[DATABASE].session() as session:
        if await community_of(session, actor.id) is None:
            raise ApiError(404, "Record not found")
        uris = [moderator.uri for moderator in await moderators(session, actor.id)]
    document = render_whole_collection(request.app[URIS].moderators(actor.id), uris)
    return activity_response(document, vary=False, private=True)


@routes.get("/actor/outbox")
async def instance_outbox(request: web.Request) -> web.Response:
    return activity_response(render_collection(f"{request.app[URIS].instance_actor}/outbox", 0), vary=False)
