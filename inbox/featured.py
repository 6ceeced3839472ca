"""A remote person's pinned posts (their `toot:featured` collection), kept as `StatusPin` rows.

Two peer jobs (essaim.inbox.peer_jobs), so the inbox never waits on a peer: the collection fetched when
the person is first met or updates their profile (`FETCH_FEATURED`, queued by essaim.inbox.resolve), at
most `FEATURED_LIMIT` posts; and one post named by an inbound `Add` that we had not stored (`PIN_NOTE`, queued by
essaim.inbox.handlers.featured). A post is stored only when it is the person's own, on their server,
not deleted, and readable by this node's actor (so only what anyone may read arrives this way);
`store_post` stores it for exactly the audience its addressing says.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select

from essaim.actors.models import Actor, Status, StatusPin, Tombstone
from essaim.actors.models.base import utcnow
from essaim.actors.queries import with_profile
from essaim.actors.visibility import PUBLIC_VISIBILITIES
from essaim.federation.errors import FederationError
from essaim.federation.keys import url_authority
from essaim.federation.parse_note import NOTE_TYPES, parse_note
from essaim.federation.vocab import as_list, id_of
from essaim.inbox.handlers.featured import PIN_NOTE, pin
from essaim.inbox.peer_jobs import PeerJobContext, runs
from essaim.inbox.remote_collections import collection_items
from essaim.inbox.remote_posts import status_by_uri, store_post
from essaim.inbox.resolve import FETCH_FEATURED, ActorResolver, ResolveError

FEATURED_LIMIT = 5  # Mastodon's own limit on pins

log = logging.getLogger(__name__)


async def _remote_person(resolver: ActorResolver, payload: dict[str, Any]) -> Actor | None:
    actor_id = payload.get("actor_id")
    if not isinstance(actor_id, int):
        return None
    async with resolver.database.session() as session:
        actor = await session.scalar(with_profile(select(Actor).where(Actor.id == actor_id)))
    return actor if actor is not None and actor.domain is not None else None


async def _known_post(actor: Actor, uri: str, resolver: ActorResolver) -> tuple[bool, int | None]:
    """(settled, id): the stored post's id, (True, None) when it never may be pinned (another's, deleted),
    (False, None) when it is not stored yet."""
    async with resolver.database.session() as session:
        if await session.get(Tombstone, uri) is not None:
            return True, None
        status = await status_by_uri(session, uri)
    if status is None:
        return False, None
    return True, status.id if status.actor_id == actor.id and status.reblog_of_id is None else None


async def stored_post(resolver: ActorResolver, actor: Actor, item: Any) -> int | None:
    """The id of the person's post `item` (an id or an embedded object), fetched and stored if new; None when
    it is not theirs, not on their server, deleted, or not readable by this node."""
    uri = id_of(item)
    if uri is None or url_authority(uri) != url_authority(actor.uri):
        return None
    settled, known = await _known_post(actor, uri, resolver)
    if settled:
        return known
    embedded = isinstance(item, Mapping) and any(t in NOTE_TYPES for t in as_list(item.get("type")))
    try:
        note = parse_note(item if embedded else await resolver.document(uri))
    except (FederationError, ResolveError) as error:
        log.info("not pinning %s of %s: %s", uri, actor.uri, error)
        return None
    if note.id != uri or note.attributed_to != actor.uri:
        log.info("not pinning %s: it is not %s's own post", uri, actor.uri)
        return None
    async with resolver.database.transaction() as session:
        existing = await status_by_uri(session, uri)
        if existing is not None:  # stored meanwhile (its Create arrived)
            return existing.id if existing.actor_id == actor.id else None
        author = await session.scalar(with_profile(select(Actor).where(Actor.id == actor.id)))
        assert author is not None
        return (await store_post(session, author, note, utcnow())).id


@runs(FETCH_FEATURED)
async def fetch_featured(ctx: PeerJobContext, payload: dict[str, Any]) -> None:
    """A person met for the first time, or who updated their profile: their pins become the posts their
    featured collection lists. It is read as this node, so it shows only what anyone may read: pins of
    followers-only posts (learnt from `Add`) are kept."""
    resolver = ctx.resolver
    actor = await _remote_person(resolver, payload)
    if actor is None or actor.featured_uri is None:
        return
    try:
        items = await collection_items(resolver, actor.featured_uri, limit=FEATURED_LIMIT, max_pages=2)
    except ResolveError as error:
        log.info("the featured collection of %s could not be read: %s", actor.uri, error)
        return
    pinned = [status_id for item in items if (status_id := await stored_post(resolver, actor, item)) is not None]
    async with resolver.database.transaction() as session:
        shown = select(Status.id).where(Status.actor_id == actor.id, Status.visibility.in_(PUBLIC_VISIBILITIES))
        await session.execute(
            delete(StatusPin).where(
                StatusPin.actor_id == actor.id, StatusPin.status_id.in_(shown), StatusPin.status_id.not_in(pinned)
            )
        )
        for status_id in pinned:
            await pin(session, actor.id, status_id)


@runs(PIN_NOTE)
async def pin_note(ctx: PeerJobContext, payload: dict[str, Any]) -> None:
    """An `Add` named a post we had not stored: fetch it, and pin it if it may be."""
    resolver = ctx.resolver
    actor = await _remote_person(resolver, payload)
    note = payload.get("note")
    if actor is None or not isinstance(note, str):
        return
    status_id = await stored_post(resolver, actor, note)
    if status_id is not None:
        async with resolver.database.transaction() as session:
            await pin(session, actor.id, status_id)
