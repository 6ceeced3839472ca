"""The one rule for who may see a post, as SQL (for lists) and as a lookup (for one post).

A post is visible to its author; public and unlisted posts to everyone; followers-only
posts to accepted followers; and any post to the actors it mentions. Every client-API read
path (posts, threads, timelines, notifications, search, lists of marks) filters with
`visible_to`; pages and ActivityPub documents, read anonymously, use its anonymous case
(`PUBLIC_VISIBILITIES`, through actors/queries.py).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Follow, Mention, Status, Visibility

PUBLIC_VISIBILITIES = (Visibility.PUBLIC.value, Visibility.UNLISTED.value)


def visible_to(viewer_id: int | None) -> ColumnElement[bool]:
    """A WHERE clause on `Status` keeping what `viewer_id` (None: anyone) may read."""
    anyone = Status.visibility.in_(PUBLIC_VISIBILITIES)
    if viewer_id is None:
        return anyone
    follows_author = exists().where(
        Follow.follower_id == viewer_id, Follow.followee_id == Status.actor_id, Follow.accepted.is_(True)
    )
    mentioned = exists().where(Mention.status_id == Status.id, Mention.actor_id == viewer_id)
    return or_(
        anyone,
        Status.actor_id == viewer_id,
        and_(Status.visibility == Visibility.PRIVATE.value, follows_author),
        mentioned,
    )


async def visible_status(session: AsyncSession, status_id: int, viewer_id: int | None) -> Status | None:
    """The post if `viewer_id` may read it; None whether it is missing or hidden (no existence leak)."""
    return await session.scalar(select(Status).where(Status.id == status_id, visible_to(viewer_id)))
