"""Remote actors in the shared actors table: find them by id or key, and store what their server says of them.

Plain values in (`RemoteProfile`): this package never imports the protocol library, so whoever
fetched and parsed the document (essaim.inbox.resolve) copies it here. A stored actor is
updated in place, keeping its row id, so follows, posts and notifications that point at it stay
valid; its key is replaced when the peer rotated it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Actor
from essaim.actors.models.base import utcnow
from essaim.actors.queries import with_profile


class RemoteActorConflict(Exception):
    """Another actor of the same server already holds this handle (the peer reused a name for a new id)."""


@dataclass(frozen=True)
class RemoteProfile:
    """What we keep of a peer's actor: its URLs, its public profile and the key that signs its requests."""

    uri: str
    type: str
    username: str
    domain: str  # host[:port] of the actor's server, lower case, default port left out
    inbox_uri: str
    key_id: str
    public_key_pem: str
    url: str | None = None
    outbox_uri: str | None = None
    followers_uri: str | None = None
    following_uri: str | None = None
    shared_inbox_uri: str | None = None
    featured_uri: str | None = None  # pinned posts (toot:featured), on the actor's own server
    display_name: str = ""
    summary: str = ""  # sanitised HTML
    fields: list[dict[str, Any]] = field(default_factory=list)  # {"name": text, "value": sanitised HTML}
    avatar_url: str | None = None
    header_url: str | None = None
    manually_approves_followers: bool = False
    discoverable: bool = False
    published: datetime | None = None
    also_known_as: list[str] = field(default_factory=list)  # the actor's other accounts' ids
    moved_to_uri: str | None = None  # the account it says it moved to


async def actor_by_uri(session: AsyncSession, uri: str) -> Actor | None:
    """Any actor (local or remote) whose id is `uri`, profile loaded."""
    return await session.scalar(with_profile(select(Actor).where(Actor.uri == uri)))


async def remote_actor_by_key_id(session: AsyncSession, key_id: str) -> Actor | None:
    """The remote actor whose stored key has this id; None when unknown (or the key was rotated)."""
    query = select(Actor).where(Actor.key_id == key_id, Actor.domain.is_not(None)).limit(1)
    return await session.scalar(with_profile(query))


async def remote_actor_by_handle(session: AsyncSession, username: str, domain: str) -> Actor | None:
    """`username@domain`, compared without case as WebFinger addresses are."""
    query = select(Actor).where(
        func.lower(Actor.username) == username.lower(), func.lower(Actor.domain) == domain.lower()
    )
    return await session.scalar(with_profile(query))


async def upsert_remote_actor(session: AsyncSession, profile: RemoteProfile) -> Actor:
    """Insert the actor, or update the stored one with the same id; returns the row, profile loaded.

    Safe against a concurrent insert of the same actor (two requests from a new peer at once):
    the insert runs in a savepoint, and on a conflict the other row is updated instead.
    Raises RemoteActorConflict when another actor of that server holds the handle.
    """
    existing = await actor_by_uri(session, profile.uri)
    if existing is not None:
        if existing.domain is None:
            raise RemoteActorConflict(f"{profile.uri} is a local actor")
        try:
            async with session.begin_nested():
                _apply(existing, profile)
        except IntegrityError:
            raise RemoteActorConflict(
                f"another actor of {profile.domain} is already called {profile.username!r}"
            ) from None
        return existing
    actor = Actor(uri=profile.uri, published=profile.published or utcnow())
    _apply(actor, profile)
    try:
        async with session.begin_nested():
            session.add(actor)
    except IntegrityError:
        raced = await actor_by_uri(session, profile.uri)
        if raced is None:
            raise RemoteActorConflict(
                f"another actor of {profile.domain} is already called {profile.username!r}"
            ) from None
        _apply(raced, profile)
        await session.flush()
        return raced
    stored = await actor_by_uri(session, profile.uri)  # with its (empty) profile relations loaded
    assert stored is not None
    return stored


def _apply(actor: Actor, profile: RemoteProfile) -> None:
    actor.type = profile.type
    actor.username = profile.username
    actor.domain = profile.domain
    actor.url = profile.url
    actor.inbox_uri = profile.inbox_uri
    actor.outbox_uri = profile.outbox_uri
    actor.followers_uri = profile.followers_uri
    actor.following_uri = profile.following_uri
    actor.shared_inbox_uri = profile.shared_inbox_uri
    actor.featured_uri = profile.featured_uri
    actor.display_name = profile.display_name[:255]
    actor.summary = profile.summary
    actor.fields = list(profile.fields)
    actor.avatar_url = profile.avatar_url
    actor.header_url = profile.header_url
    actor.key_id = profile.key_id
    actor.public_key_pem = profile.public_key_pem
    actor.private_key_pem = None
    actor.manually_approves_followers = profile.manually_approves_followers
    actor.discoverable = profile.discoverable
    actor.also_known_as = list(profile.also_known_as)
    actor.moved_to_uri = profile.moved_to_uri
