"""What the community pages read: the directory (search and filters) and a community's feed.

Both keep to what the viewer may know: the directory lists a secret community only to its members
and invitees (`listed_community`), and the feed holds only the posts `visible_to` the viewer, so a
closed community's members-only posts stay with its members on the web as everywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from essaim.actors.communities import listed_community
from essaim.actors.models import Actor, Community, CommunityMember, MemberState, Status
from essaim.actors.queries import Page
from essaim.actors.visibility import visible_to

DIRECTORY_LIMIT = 200


@dataclass(frozen=True)
class DirectoryQuery:
    """The directory's search words and filters; None (or empty) leaves a filter out."""

    search: str = ""
    kind: str | None = None  # lasting, project
    access: str | None = None  # open, closed, secret
    archived: bool | None = None  # True: archived only; False: live only


@dataclass(frozen=True)
class Listing:
    community: Community
    group: Actor
    members: int


async def directory(session: AsyncSession, viewer_id: int | None, wanted: DirectoryQuery) -> list[Listing]:
    """The communities the viewer may know of that match, by name; each with its number of members."""
    shown = aliased(Community)  # `listed_community` correlates on `Actor` alone; its own `Community` must stay inside
    members = (
        select(func.count(CommunityMember.id))
        .where(CommunityMember.community_id == shown.actor_id, CommunityMember.state == MemberState.MEMBER.value)
        .scalar_subquery()
    )
    query = (
        select(shown, Actor, members)
        .join(Actor, Actor.id == shown.actor_id)
        .where(listed_community(viewer_id=viewer_id))
    )
    words = wanted.search.strip().lower()
    if words:
        query = query.where(
            or_(
                func.lower(Actor.username).contains(words, autoescape=True),
                func.lower(Actor.display_name).contains(words, autoescape=True),
                func.lower(shown.charter).contains(words, autoescape=True),
            )
        )
    if wanted.kind:
        query = query.where(shown.kind == wanted.kind)
    if wanted.access:
        query = query.where(shown.access == wanted.access)
    if wanted.archived is not None:
        query = query.where(shown.archived_at.is_not(None) if wanted.archived else shown.archived_at.is_(None))
    rows = await session.execute(query.order_by(func.lower(Actor.display_name), Actor.id).limit(DIRECTORY_LIMIT))
    return [Listing(community, group, count) for community, group, count in rows.all()]


async def community_feed(
    session: AsyncSession, community_id: int, viewer_id: int | None, max_id: int | None, limit: int
) -> Page[tuple[Status, Actor]]:
    """The community's posts the viewer may read, newest first, with their authors; paged below `max_id`."""
    query = (
        select(Status, Actor)
        .join(Actor, Actor.id == Status.actor_id)
        .where(Status.community_id == community_id, Status.reblog_of_id.is_(None), visible_to(viewer_id))
    )
    if max_id is not None:
        query = query.where(Status.id < max_id)
    rows = [
        (status, author)
        for status, author in (await session.execute(query.order_by(Status.id.desc()).limit(limit + 1))).all()
    ]
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, rows[-1][0].id if more else None)
