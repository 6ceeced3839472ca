"""Find remote actors — by id, by the key that signed a request, by `user@host` — and keep them in the database.

The database is asked first; otherwise the actor's server is (signed GET as this node's
Application actor, so peers in authorized-fetch mode answer, while our own `/actor` stays
fetchable unsigned: two nodes fetching each other's keys never wait on each other). What a
server says is checked by the protocol library (`fetch_document`, `parse_actor`,
WebFinger's same-host rule) and then stored with `actors.remote.upsert_remote_actor`.

Network first, transaction after: nothing here holds a write transaction while waiting on a peer.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import aiohttp
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors import jobs, node
from essaim.actors.models import Actor
from essaim.actors.models.base import utcnow
from essaim.actors.remote import (
    RemoteActorConflict,
    RemoteProfile,
    actor_by_uri,
    remote_actor_by_handle,
    remote_actor_by_key_id,
    upsert_remote_actor,
)
from essaim.db import Database
from essaim.federation.client import OutboundPolicy
from essaim.federation.errors import FederationError
from essaim.federation.fetch import FetchError, Signer, fetch_document
from essaim.federation.keys import key_document_url, key_owner_matches, url_authority
from essaim.federation.parse_actor import RemoteActor, RemoteKey, parse_actor
from essaim.federation.vocab import ACTOR_TYPES, as_list, id_of
from essaim.federation.webfinger_client import parse_handle, resolve
from essaim.inbox.key_cache import OwnedKey, key_cache
from essaim.inbox.policy import FederationPolicy, host_allowed, peer_host
from essaim.inbox.remote_emojis import remember_emojis

# The job kind that fetches a remote actor's featured collection (run by essaim.inbox.featured).
FETCH_FEATURED = "featured.fetch"

log = logging.getLogger(__name__)


class ResolveError(Exception):
    """A remote actor could not be found or trusted; the message says why (for logs, never for peers).

    `transient`: the peer could not be reached or failed (5xx, 429), so asking again later may work.
    """

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


class ActorResolver:
    """Remote actors for one request or job: from the database, else fetched and stored."""

    def __init__(self, database: Database, client: aiohttp.ClientSession, policy: FederationPolicy) -> None:
        self.database = database
        self.client = client
        self.policy = policy
        self.config = policy.config
        self._signer: Signer | None = None

    async def actor(self, uri: str) -> Actor:
        """The actor with this id: stored already (local or remote), else fetched from its server."""
        async with self.database.session() as session:
            known = await actor_by_uri(session, uri)
        if known is not None:
            return known
        return await self.fetch_actor(uri)

    async def fetch_actor(self, uri: str) -> Actor:
        """Fetch the actor document at `uri` now (new actor, or a refresh) and store it."""
        self.check_peer(uri)
        remote = await self._fetch_remote_actor(uri)
        return await self._store(remote, remote.public_key)

    async def by_handle(self, handle: str) -> Actor:
        """`user@host` (also `@user@host`, `acct:user@host`): stored, else found by WebFinger and fetched."""
        try:
            parsed = parse_handle(handle)
        except FederationError as error:
            raise ResolveError(str(error)) from None
        if not host_allowed(self.policy, parsed.host):
            raise ResolveError(f"{parsed.host} is not allowed by the federation policy")
        async with self.database.session() as session:
            known = await remote_actor_by_handle(session, parsed.username, parsed.host)
        if known is not None:
            return known
        try:
            policy = OutboundPolicy.from_config(self.config)
            found = await resolve(self.client, parsed, policy=policy, signer=await self.instance_signer())
        except FederationError as error:
            raise ResolveError(str(error)) from None
        return await self.actor(found.actor_id)

    async def key(self, key_id: str, *, refresh: bool = False) -> tuple[Actor, str, bool]:
        """The remote actor owning `key_id`, the key's PEM, and whether it was fetched just now.

        `refresh` skips the stored key: the peer may have rotated it since we stored it.
        A key not stored yet is fetched once however many ask at the same time (`inbox/key_cache.py`).
        """
        cache = key_cache(self.database)
        if refresh:
            cache.forget(key_id)
            return (*await self._fetch_key(key_id), True)
        known = await self.stored_key(key_id)
        if known is not None:
            return (*known, False)
        return (*await cache.once(key_id, lambda: self._fetch_key(key_id)), True)

    async def stored_key(self, key_id: str) -> OwnedKey | None:
        """The owner and PEM of `key_id` if we have them (cached for a short while, else from the database)."""
        cache = key_cache(self.database)
        cached = cache.get(key_id)
        if cached is not None:
            return cached
        async with self.database.session() as session:
            known = await remote_actor_by_key_id(session, key_id)
        if known is None:
            return None
        cache.put(key_id, known, known.public_key_pem)
        return known, known.public_key_pem

    async def _fetch_key(self, key_id: str) -> OwnedKey:
        """Fetch the key's document and its owner, and store them.

        A key document that is not the actor itself must name an `owner` on the same server,
        and that actor must publish the key: the ownership is checked both ways.
        """
        self.check_peer(key_id)
        document = await self._fetch(key_document_url(key_id))
        if any(kind in ACTOR_TYPES for kind in as_list(document.get("type"))):
            remote = _parsed(document)
        else:
            owner = id_of(document.get("owner")) or id_of(document.get("controller"))
            if owner is None or not key_owner_matches(key_id, owner):
                raise ResolveError(f"the key document {key_id} names no owner on its own server")
            remote = await self._fetch_remote_actor(owner)
        key = remote.key(key_id)
        if key is None:
            raise ResolveError(f"{remote.id} does not publish the key {key_id}")
        if key.owner != remote.id:
            raise ResolveError(f"the key {key_id} belongs to {key.owner}, not to {remote.id}")
        return await self._store(remote, key), key.pem

    def check_peer(self, url: str) -> None:
        """ResolveError unless `url` is an http(s) URL on a peer the federation policy admits."""
        host = peer_host(url)
        if not host:
            raise ResolveError(f"{url[:200]!r} is not an http(s) URL")
        if url_authority(url) == url_authority(self.config.base_url):
            raise ResolveError(f"{url} is on this node, not on a peer")
        if not host_allowed(self.policy, host):
            raise ResolveError(f"{host} is not allowed by the federation policy")

    async def _fetch_remote_actor(self, uri: str) -> RemoteActor:
        return _parsed(await self._fetch(uri))

    async def _fetch(self, url: str) -> dict[str, Any]:
        try:
            return await fetch_document(self.client, url, signer=await self.instance_signer())
        except FetchError as error:
            transient = error.status is None or error.status >= 500 or error.status == 429
            raise ResolveError(str(error), transient=transient) from None
        except FederationError as error:
            raise ResolveError(str(error)) from None

    async def instance_signer(self) -> Signer:
        """The node's Application actor as signer: it signs every fetch made for the node as a whole."""
        if self._signer is None:
            async with self.database.session() as session:
                instance = await node.instance_actor(session)
            assert instance.private_key_pem is not None, "the instance actor is local"
            self._signer = Signer(instance.key_id, instance.private_key_pem)
        return self._signer

    async def document(self, url: str) -> dict[str, Any]:
        """Any AS2 document of a peer allowed by the federation policy, fetched signed as this node."""
        self.check_peer(url)
        return await self._fetch(url)

    async def _store(self, remote: RemoteActor, key: RemoteKey | None) -> Actor:
        """Store the actor; one met for the first time gets its pinned posts fetched (a queued job)."""
        try:
            async with self.database.transaction() as session:
                known = await session.scalar(select(Actor.id).where(Actor.uri == remote.id))
                actor = await save_remote_actor(session, remote, key, utcnow())
                if known is None:
                    await read_featured_later(session, actor)
        except RemoteActorConflict as error:
            raise ResolveError(str(error)) from None
        if key is not None:  # the key just stored replaces a cached one (rotation)
            key_cache(self.database).put(key.id, actor, key.pem)
        return actor


async def save_remote_actor(session: AsyncSession, remote: RemoteActor, key: RemoteKey | None, now: datetime) -> Actor:
    """Store the actor and the emoji of its server that its `Emoji` tags name (for its name and bio)."""
    actor = await upsert_remote_actor(session, remote_profile(remote, key))
    await remember_emojis(session, actor.domain or "", remote.emojis, now)
    return actor


async def read_featured_later(session: AsyncSession, actor: Actor, now: datetime | None = None) -> None:
    """Queue the reading of a remote person's featured collection (their pins; essaim.inbox.featured)."""
    if actor.featured_uri is not None:
        await jobs.enqueue(session, FETCH_FEATURED, {"actor_id": actor.id}, group_key=actor.domain, now=now)


def remote_profile(remote: RemoteActor, key: RemoteKey | None) -> RemoteProfile:
    """The parsed document as the actors table keeps it; `key` is the one stored (the one that signed)."""
    return RemoteProfile(
        uri=remote.id,
        type=remote.type,
        username=remote.preferred_username,
        domain=peer_host(remote.id),
        inbox_uri=remote.inbox,
        key_id=key.id if key else "",
        public_key_pem=key.pem if key else "",
        url=remote.url,
        outbox_uri=remote.outbox,
        followers_uri=remote.followers,
        following_uri=remote.following,
        shared_inbox_uri=remote.shared_inbox,
        featured_uri=remote.featured if url_authority(remote.featured or "") == remote.authority else None,
        display_name=remote.name or "",
        summary=remote.summary,
        fields=[{"name": item.name, "value": item.value} for item in remote.fields],
        avatar_url=remote.icon_url,
        header_url=remote.image_url,
        manually_approves_followers=remote.manually_approves_followers,
        discoverable=bool(remote.discoverable),
        published=_published(remote.published),
        also_known_as=list(remote.also_known_as),
        moved_to_uri=remote.moved_to,
    )


def _parsed(document: Mapping[str, Any]) -> RemoteActor:
    try:
        return parse_actor(document)
    except FederationError as error:
        raise ResolveError(f"unusable actor document: {error}") from None


def _published(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
