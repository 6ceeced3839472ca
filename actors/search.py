"""Search over what this node knows: people (with their directory attributes), posts and hashtags.

Posts are searched only among those the searcher may read (visible_to) and has not muted, nor whose
server they blocked (unmuted_for), newest first.
Ranked full-text search comes later; this is substring matching.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import case, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Actor, ActorSkill, ActorType, Follow, Status, Tag
from essaim.actors.mutes import unmuted_for
from essaim.actors.relationships import shown
from essaim.actors.visibility import visible_to


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def search_accounts(
    session: AsyncSession,
    q: str,
    *,
    limit: int,
    offset: int = 0,
    following_of: int | None = None,
    local_domain: str | None = None,
    viewer_id: int | None = None,
) -> Sequence[int]:
    """Actor ids matching `q` (a handle, `@user@domain`, a name, a department, site, title or skill) among the
    accounts shown to `viewer_id`."""
    text = q.strip().lstrip("@")
    if not text:
        return []
    username, _, domain = text.partition("@")
    pattern = _like(text)
    matches = or_(
        func.lower(Actor.username).like(pattern, escape="\\"),
        func.lower(Actor.display_name).like(pattern, escape="\\"),
        func.lower(Actor.department).like(pattern, escape="\\"),
        func.lower(Actor.site).like(pattern, escape="\\"),
        func.lower(Actor.job_title).like(pattern, escape="\\"),
        exists().where(ActorSkill.actor_id == Actor.id, func.lower(ActorSkill.skill).like(pattern, escape="\\")),
    )
    if domain:  # user@domain: that account exactly (our own domain means a local one)
        matches = func.lower(Actor.username) == username.lower()
    query = select(Actor.id).where(
        Actor.type.in_((ActorType.PERSON.value, ActorType.SERVICE.value, ActorType.GROUP.value)),
        shown(viewer_id),
        matches,
    )
    if domain:  # our own domain names a local account; any other, that remote domain only
        local = local_domain is not None and domain.lower() == local_domain.lower()
        query = query.where(Actor.domain.is_(None) if local else Actor.domain == domain.lower())
    if following_of is not None:
        query = query.where(
            exists().where(Follow.follower_id == following_of, Follow.followee_id == Actor.id, Follow.accepted)
        )
    exact_first = case((func.lower(Actor.username) == username.lower(), 0), else_=1)
    query = query.order_by(exact_first, func.lower(Actor.display_name), Actor.id).offset(offset).limit(limit)
    return (await session.scalars(query)).all()


async def search_statuses(
    session: AsyncSession, q: str, viewer_id: int, *, limit: int, offset: int = 0, author_id: int | None = None
) -> Sequence[Status]:
    if not q.strip():
        return []
    query = select(Status).where(
        visible_to(viewer_id),
        unmuted_for(viewer_id),  # as Mastodon's search: nothing from muted accounts or blocked servers
        Status.reblog_of_id.is_(None),
        # What people wrote, not the markup around it (local posts keep their source text).
        func.lower(func.coalesce(Status.source_text, Status.content)).like(_like(q.strip()), escape="\\"),
    )
    if author_id is not None:
        query = query.where(Status.actor_id == author_id)
    return (await session.scalars(query.order_by(Status.id.desc()).offset(offset).limit(limit))).all()


async def search_tags(session: AsyncSession, q: str, *, limit: int, offset: int = 0) -> Sequence[Tag]:
    name = q.strip().lstrip("#").lower()
    if not name:
        return []
    query = select(Tag).where(Tag.name.like(_like(name), escape="\\"))
    return (await session.scalars(query.order_by(func.length(Tag.name), Tag.name).offset(offset).limit(limit))).all()
