"""Communities as Mastodon lists: every community a person is a member of reads like one of their lists.

Mastodon apps know no communities, but they all show lists, their timelines and their live
streams. So each Group a person follows with an accepted follow (a member: of a local community,
or of a remote one) is offered as a read-only list whose id is the Group's account id, its title
the community's name, and its timeline the posts stored in that community (`Status.community_id`)
that the person may read. Group and list ids are snowflakes of one generator, so they never meet;
a real list is still looked up first.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from essaim.actors.models import Actor, ActorType, Follow, Status

READ_ONLY = "This list is a community: its title and members follow the community"


def _member_of(viewer_id: int, group_id: QueryableAttribute[Any]) -> ColumnElement[bool]:
    """SQL: the viewer's follow of the Group `group_id` is accepted (they are a member)."""
    return exists().where(Follow.follower_id == viewer_id, Follow.followee_id == group_id, Follow.accepted.is_(True))


async def community_lists(session: AsyncSession, viewer_id: int) -> list[Actor]:
    """The Groups the viewer is a member of, by name: their lists after the real ones."""
    query = select(Actor).where(Actor.type == ActorType.GROUP.value, _member_of(viewer_id, Actor.id))
    return list((await session.scalars(query.order_by(Actor.display_name, Actor.id))).all())


async def community_list(session: AsyncSession, viewer_id: int, list_id: int) -> Actor | None:
    """The Group behind the list id, if the viewer is its member; None otherwise."""
    if list_id >= 2**63:  # not an id: asking the database would fail
        return None
    query = select(Actor).where(
        Actor.id == list_id, Actor.type == ActorType.GROUP.value, _member_of(viewer_id, Actor.id)
    )
    return await session.scalar(query)


def in_community_list(viewer_id: int, list_id: int) -> ColumnElement[bool]:
    """SQL on `Status`: a post of the community `list_id` the viewer is a member of (visibility is the caller's)."""
    return and_(Status.community_id == list_id, _member_of(viewer_id, Status.community_id))


def community_posts(viewer_id: int, list_id: int) -> Select[Status]:
    """The community's posts, as a list timeline reads them (callers add `visible_to` and mutes)."""
    return select(Status).where(in_community_list(viewer_id, list_id))
