"""Who the profile directory (`/api/v1/directory`) lists: people who chose to be discoverable.

Local people with an enabled account, and — unless only local ones are asked for — remote people
whose server publishes them as discoverable, except on silenced or suspended servers. Nobody who
moved away, and nobody a block stands between with the viewer. Ordered by latest post (`active`)
or newest account (`new`), paged by offset as Mastodon does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.domain_blocks import limited_author
from essaim.actors.models import Account, Actor, ActorType, Status
from essaim.actors.visibility import blocked_either_way


@dataclass(frozen=True)
class DirectoryPage:
    order: str  # "active" | "new"
    local: bool
    offset: int
    limit: int


def discoverable_people() -> ColumnElement[bool]:
    """A WHERE clause on `Actor`: people who may be proposed to others (directory, suggestions)."""
    enabled = exists().where(Account.actor_id == Actor.id, Account.disabled_at.is_(None))
    place = or_(and_(Actor.domain.is_(None), enabled), and_(Actor.domain.is_not(None), ~limited_author(Actor.id)))
    return and_(Actor.type == ActorType.PERSON.value, Actor.discoverable.is_(True), Actor.moved_to_uri.is_(None), place)


async def directory(session: AsyncSession, page: DirectoryPage, viewer_id: int | None) -> Sequence[int]:
    """The actor ids of one page of the directory."""
    query = select(Actor.id).where(discoverable_people())
    if page.local:
        query = query.where(Actor.domain.is_(None))
    if viewer_id is not None:
        query = query.where(~blocked_either_way(viewer_id, Actor.id))
    if page.order == "new":
        query = query.order_by(Actor.published.desc(), Actor.id.desc())
    else:
        # ids are time-ordered: the newest post's id answers from the (actor_id, id) index
        latest = select(func.max(Status.id)).where(Status.actor_id == Actor.id).scalar_subquery()
        query = query.order_by(latest.is_(None), latest.desc(), Actor.id.desc())
    return (await session.scalars(query.offset(page.offset).limit(page.limit))).all()
