"""Typed reads. Each one chooses what it loads eagerly, so renderers never run a query."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Generic, TypeVar

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, selectinload

from essaim.actors.communities import hidden_community, listed_community
from essaim.actors.models import Account, Actor, ActorType, Follow, Status, StatusPin, StatusTag, Tag, Visibility
from essaim.actors.models.account import STAFF_ROLES
from essaim.actors.models.base import utcnow
from essaim.actors.visibility import PUBLIC_VISIBILITIES, visible_to


def with_profile(query: Select[Actor]) -> Select[Actor]:
    return query.options(selectinload(Actor.skills), selectinload(Actor.languages), selectinload(Actor.manager))


def _enabled_local_people() -> Select[Actor]:
    """Local Person actors whose account is not disabled (a disabled account has left the directory)."""
    return (
        select(Actor)
        .join(Account, Account.actor_id == Actor.id)
        .where(Actor.domain.is_(None), Actor.type == ActorType.PERSON.value, Account.disabled_at.is_(None))
    )


async def local_person(session: AsyncSession, actor_id: int) -> Actor | None:
    return await session.scalar(with_profile(_enabled_local_people().where(Actor.id == actor_id)))


async def local_person_by_handle(session: AsyncSession, handle: str) -> Actor | None:
    return await session.scalar(
        with_profile(_enabled_local_people().where(func.lower(Actor.username) == handle.lower()))
    )


async def local_person_named(session: AsyncSession, *, actor_id: int | None, handle: str | None) -> Actor | None:
    """The person an id or a handle names (what a WebFinger query or a profile link carries)."""
    if actor_id is not None:
        return await local_person(session, actor_id)
    return await local_person_by_handle(session, handle) if handle else None


def _findable_local_actors(viewer_id: int | None, viewer_host: str | None) -> Select[Actor]:
    """Enabled local people and the node's communities the reader may know of: what peers may find and fetch."""
    enabled = exists().where(Account.actor_id == Actor.id, Account.disabled_at.is_(None))
    person = and_(Actor.type == ActorType.PERSON.value, enabled)
    community = listed_community(viewer_id=viewer_id, viewer_host=viewer_host)
    return select(Actor).where(Actor.domain.is_(None), or_(person, community))


async def local_actor_named(
    session: AsyncSession,
    *,
    actor_id: int | None,
    handle: str | None,
    viewer_id: int | None = None,
    viewer_host: str | None = None,
) -> Actor | None:
    """A person or a community by id or handle: WebFinger, actor documents, personal inboxes. A secret community
    is found only by its members and invitees (`viewer_id`) or their servers (`viewer_host`)."""
    query = _findable_local_actors(viewer_id, viewer_host)
    if actor_id is not None:
        query = query.where(Actor.id == actor_id)
    elif handle:
        query = query.where(func.lower(Actor.username) == handle.lower())
    else:
        return None
    return await session.scalar(with_profile(query))


async def local_people(session: AsyncSession, limit: int = 200) -> Sequence[Actor]:
    """The directory, by display name; later issues add filters on the profile attributes."""
    query = _enabled_local_people().where(Actor.discoverable.is_(True))
    query = query.order_by(func.lower(Actor.display_name), Actor.username).limit(limit)
    return (await session.scalars(query)).all()


@dataclass(frozen=True)
class Usage:
    users: int
    active_month: int
    active_halfyear: int
    local_posts: int


async def usage(session: AsyncSession) -> Usage:
    """Honest NodeInfo figures: enabled local accounts, and those who signed in or posted lately."""
    now = utcnow()
    enabled = select(Account).where(Account.disabled_at.is_(None)).subquery()

    async def active_since(days: int) -> int:
        since = now - timedelta(days=days)
        posted = select(Status.actor_id).where(Status.published >= since)
        query = (
            select(func.count())
            .select_from(enabled)
            .where(or_(enabled.c.last_login_at >= since, enabled.c.actor_id.in_(posted)))
        )
        return int(await session.scalar(query) or 0)

    users = int(await session.scalar(select(func.count()).select_from(enabled)) or 0)
    local_posts = await session.scalar(
        select(func.count()).select_from(Status).join(Actor, Actor.id == Status.actor_id).where(Actor.domain.is_(None))
    )
    return Usage(users, await active_since(30), await active_since(180), int(local_posts or 0))


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a keyset-paged list, newest first, and the cursor of the next one."""

    items: Sequence[T]
    next_max_id: int | None


async def _count(session: AsyncSession, query: Select[int]) -> int:
    return int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def _followers_query(actor_id: int) -> Select[int]:
    return select(Follow.id).where(Follow.followee_id == actor_id, Follow.accepted.is_(True))


def _following(actor_id: int) -> ColumnElement[bool]:
    """A person's accepted follows as peers may see them: never a secret community they belong to."""
    return and_(Follow.follower_id == actor_id, Follow.accepted.is_(True), ~hidden_community(Follow.followee_id))


def _following_query(actor_id: int) -> Select[int]:
    return select(Follow.id).where(_following(actor_id))


def _public_posts_query(actor_id: int) -> Select[int]:
    return select(Status.id).where(_own_public_posts(actor_id))


def _own_public_posts(actor_id: int) -> ColumnElement[bool]:
    """What anyone may read of an actor on pages and in ActivityPub: their own public and unlisted posts.

    Boosts are left out: they are `Announce` activities in federation (issue #5), not posts of theirs.
    """
    return and_(Status.actor_id == actor_id, Status.visibility.in_(PUBLIC_VISIBILITIES), Status.reblog_of_id.is_(None))


async def count_followers(session: AsyncSession, actor_id: int) -> int:
    return await _count(session, _followers_query(actor_id))


async def count_following(session: AsyncSession, actor_id: int) -> int:
    return await _count(session, _following_query(actor_id))


async def count_public_posts(session: AsyncSession, actor_id: int) -> int:
    return await _count(session, _public_posts_query(actor_id))


async def followers_page(session: AsyncSession, actor_id: int, max_id: int | None, limit: int) -> Page[str]:
    """Follower actor ids (URIs), newest follow first."""
    query = select(Follow.id, Actor.uri).join(Actor, Actor.id == Follow.follower_id)
    query = query.where(Follow.followee_id == actor_id, Follow.accepted.is_(True))
    return await _uri_page(session, query, Follow.id, max_id, limit)


async def following_page(session: AsyncSession, actor_id: int, max_id: int | None, limit: int) -> Page[str]:
    query = select(Follow.id, Actor.uri).join(Actor, Actor.id == Follow.followee_id).where(_following(actor_id))
    return await _uri_page(session, query, Follow.id, max_id, limit)


async def _uri_page(
    session: AsyncSession,
    query: Select[int, str],
    key: InstrumentedAttribute[int],
    max_id: int | None,
    limit: int,
) -> Page[str]:
    if max_id is not None:
        query = query.where(key < max_id)
    rows = (await session.execute(query.order_by(key.desc()).limit(limit + 1))).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return Page([uri for _, uri in rows], rows[-1][0] if more else None)


async def public_posts_page(session: AsyncSession, actor_id: int, max_id: int | None, limit: int) -> Page[Status]:
    """Public and unlisted posts, newest first (what an anonymous reader of the outbox may see)."""
    query = select(Status).where(_own_public_posts(actor_id))
    if max_id is not None:
        query = query.where(Status.id < max_id)
    posts = (await session.scalars(query.order_by(Status.id.desc()).limit(limit + 1))).all()
    more = len(posts) > limit
    posts = posts[:limit]
    return Page(posts, posts[-1].id if more else None)


async def replies_page(
    session: AsyncSession, status_id: int, viewer_id: int | None, min_id: int | None, limit: int
) -> tuple[list[str], int | None]:
    """The ids (URIs) of the replies to a post that `viewer_id` (None: anyone) may read, oldest first, after
    `min_id`; and the cursor of the next page (None: this is the last)."""
    query = select(Status.id, Status.uri).where(
        Status.in_reply_to_id == status_id, Status.reblog_of_id.is_(None), visible_to(viewer_id)
    )
    if min_id is not None:
        query = query.where(Status.id > min_id)
    rows = (await session.execute(query.order_by(Status.id).limit(limit + 1))).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return [uri for _, uri in rows], rows[-1][0] if more else None


async def public_status(session: AsyncSession, actor_id: int, status_id: int) -> Status | None:
    """One post of `actor_id`, if anyone may read it (public or unlisted)."""
    query = select(Status).where(Status.id == status_id, _own_public_posts(actor_id))
    return await session.scalar(query)


async def public_posts(session: AsyncSession, actor_id: int, limit: int) -> Sequence[Status]:
    """Public posts only (not unlisted), for the HTML profile page."""
    query = select(Status).where(_own_public_posts(actor_id), Status.visibility == Visibility.PUBLIC.value)
    return (await session.scalars(query.order_by(Status.id.desc()).limit(limit))).all()


async def staff_actor_uris(session: AsyncSession) -> Sequence[str]:
    """Actor ids of the enabled admins and moderators, for NodeInfo's `staffAccounts`."""
    query = _enabled_local_people().where(Account.role.in_(STAFF_ROLES)).order_by(Actor.username)
    return (await session.scalars(query.with_only_columns(Actor.uri))).all()


async def public_tagged_posts(session: AsyncSession, tag: str, limit: int) -> Sequence[tuple[Status, Actor]]:
    """Public original posts carrying hashtag `tag` (lower-cased name), newest first, with their authors."""
    query = (
        select(Status, Actor)
        .join(Actor, Actor.id == Status.actor_id)
        .join(StatusTag, StatusTag.status_id == Status.id)
        .join(Tag, Tag.id == StatusTag.tag_id)
        .where(Tag.name == tag, Status.visibility == Visibility.PUBLIC.value, Status.reblog_of_id.is_(None))
        .order_by(Status.id.desc())
        .limit(limit)
    )
    return [(status, actor) for status, actor in await session.execute(query)]


async def pinned_posts(session: AsyncSession, actor_id: int, viewer_id: int | None) -> Sequence[Status]:
    """The actor's pinned posts that `viewer_id` (None: anyone) may read, last pinned first: a person's own
    posts, a Group's posts of its community (its moderators' announcements)."""
    pinnable = or_(Status.actor_id == actor_id, Status.community_id == actor_id)
    query = (
        select(Status)
        .join(StatusPin, StatusPin.status_id == Status.id)
        .where(StatusPin.actor_id == actor_id, pinnable, visible_to(viewer_id))
        .order_by(StatusPin.id.desc())
    )
    return (await session.scalars(query)).all()


async def follower_uris(session: AsyncSession, actor_id: int, *, domain: str | None) -> Sequence[str]:
    """Ids of the actor's accepted followers on one server: `domain` (host[:port]), or this node when None."""
    on_server = Actor.domain.is_(None) if domain is None else func.lower(Actor.domain) == domain.lower()
    query = select(Actor.uri).join(Follow, Follow.follower_id == Actor.id)
    query = query.where(Follow.followee_id == actor_id, Follow.accepted.is_(True), on_server)
    return (await session.scalars(query.order_by(Actor.uri))).all()
