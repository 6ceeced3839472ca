"""The one rule for who may see a post, as SQL (for lists) and as a lookup (for one post).

A post is visible to its author. Anyone else sees it when they may hear from its author —
no block stands between them, whichever of the two made it, and an author on a silenced or
suspended server (actors/domain_blocks.py) is heard only by their followers — and when its
audience includes them: public and unlisted posts everyone, followers-only posts accepted
followers, any post the actors it mentions. A post in a community (`community_id`, its Group
actor) has the community's members (the Group's accepted followers) as its followers, and
its mentions let nobody in. A boost is visible only with the post it boosts.

Every client-API read path (posts, threads, timelines, notifications, search, lists of marks)
filters with `visible_to`, and notifications also with `heard_from`; pages and ActivityPub
documents, read anonymously, use its anonymous case (`PUBLIC_VISIBILITIES`, through
actors/queries.py).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ColumnElement, and_, bindparam, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased
from sqlalchemy.orm.util import AliasedClass

from essaim.actors.domain_blocks import limited_author
from essaim.actors.models import Block, Follow, Mention, Status, Visibility

PUBLIC_VISIBILITIES = (Visibility.PUBLIC.value, Visibility.UNLISTED.value)

ActorId = int | ColumnElement[int] | InstrumentedAttribute[int]


def blocked_either_way(one: ActorId, other: ActorId) -> ColumnElement[bool]:
    """SQL: a block stands between the two actors, whichever of them made it."""
    return or_(
        exists().where(Block.actor_id == one, Block.target_id == other),
        exists().where(Block.actor_id == other, Block.target_id == one),
    )


def _follows(follower: ActorId, followee: ActorId) -> ColumnElement[bool]:
    return exists().where(Follow.follower_id == follower, Follow.followee_id == followee, Follow.accepted.is_(True))


def heard_from(viewer: ActorId, actor: ActorId) -> ColumnElement[bool]:
    """SQL: `viewer` may hear from `actor` at all — see their posts, be notified of what they do."""
    return and_(~blocked_either_way(viewer, actor), or_(~limited_author(actor), _follows(viewer, actor)))


def _readable(viewer_id: ActorId | None, post: type[Status] | AliasedClass[Status]) -> ColumnElement[bool]:
    public = post.visibility.in_(PUBLIC_VISIBILITIES)
    if viewer_id is None:
        return and_(public, ~limited_author(post.actor_id))
    # A post in a community is for the community's followers (its members), never the author's, and a
    # mention does not let a non-member in: being named in a members-only post is not membership.
    mentioned = and_(
        post.community_id.is_(None), exists().where(Mention.status_id == post.id, Mention.actor_id == viewer_id)
    )
    audience_owner = func.coalesce(post.community_id, post.actor_id)
    addressed = or_(
        public,
        and_(post.visibility == Visibility.PRIVATE.value, _follows(viewer_id, audience_owner)),
        mentioned,
    )
    return or_(post.actor_id == viewer_id, and_(heard_from(viewer_id, post.actor_id), addressed))


def visible_to(viewer_id: ActorId | None) -> ColumnElement[bool]:
    """A WHERE clause on `Status` keeping what `viewer_id` (None: anyone) may read."""
    original = aliased(Status)
    boosted_readable = exists().where(original.id == Status.reblog_of_id, _readable(viewer_id, original))
    return and_(_readable(viewer_id, Status), or_(Status.reblog_of_id.is_(None), boosted_readable))


async def visible_status(session: AsyncSession, status_id: int, viewer_id: int | None) -> Status | None:
    """The post if `viewer_id` may read it; None whether it is missing or hidden (no existence leak)."""
    return await session.scalar(select(Status).where(Status.id == status_id, visible_to(viewer_id)))


# Built once: building it (aliases, four subqueries) costs more than running it, and it runs per notification.
_HEARS_FROM = select(heard_from(bindparam("viewer", type_=BigInteger), bindparam("actor", type_=BigInteger)))


async def hears_from(session: AsyncSession, viewer_id: int, actor_id: int) -> bool:
    """`heard_from` for one pair: whether `viewer_id` may be notified of what `actor_id` does."""
    return bool(await session.scalar(_HEARS_FROM, {"viewer": viewer_id, "actor": actor_id}))
