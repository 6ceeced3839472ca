"""Reads about hashtags and a person: which they follow or feature, their featured tags' numbers, suggestions.

A featured tag counts the owner's own public and unlisted posts carrying it (boosts are not
theirs), and dates the latest, as Mastodon's profile shows; suggestions are the hashtags the
person used most in their latest posts and has not featured yet.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import FeaturedTag, Status, StatusTag, Tag, TagFollow
from essaim.actors.visibility import PUBLIC_VISIBILITIES

SUGGESTION_SOURCE_POSTS = 200  # how far back suggestions look in a person's posts


@dataclass(frozen=True)
class TagFlags:
    """The viewer's ties to some tags, by tag id."""

    following: frozenset[int] = frozenset()
    featuring: frozenset[int] = frozenset()


async def tag_flags(session: AsyncSession, viewer_id: int | None, tag_ids: Collection[int]) -> TagFlags:
    if viewer_id is None or not tag_ids:
        return TagFlags()
    followed = select(TagFollow.tag_id).where(TagFollow.actor_id == viewer_id, TagFollow.tag_id.in_(tag_ids))
    featured = select(FeaturedTag.tag_id).where(FeaturedTag.actor_id == viewer_id, FeaturedTag.tag_id.in_(tag_ids))
    return TagFlags(frozenset(await session.scalars(followed)), frozenset(await session.scalars(featured)))


@dataclass(frozen=True)
class FeaturedTagView:
    featured: FeaturedTag
    tag: Tag
    statuses_count: int
    last_status_at: datetime | None


async def featured_tags(session: AsyncSession, actor_id: int) -> list[FeaturedTagView]:
    """The actor's featured tags, oldest first (the order they were added), with their numbers."""
    rows = await session.execute(
        select(FeaturedTag, Tag).join(Tag, Tag.id == FeaturedTag.tag_id).where(FeaturedTag.actor_id == actor_id)
    )
    pairs = sorted(rows.tuples().all(), key=lambda row: row[0].id)
    stats = (
        select(StatusTag.tag_id, func.count(), func.max(Status.published))
        .join(Status, Status.id == StatusTag.status_id)
        .where(
            Status.actor_id == actor_id,
            Status.visibility.in_(PUBLIC_VISIBILITIES),
            StatusTag.tag_id.in_([tag.id for _, tag in pairs]),
        )
        .group_by(StatusTag.tag_id)
    )
    numbers = {tag_id: (count, last) for tag_id, count, last in await session.execute(stats)}
    return [FeaturedTagView(featured, tag, *numbers.get(tag.id, (0, None))) for featured, tag in pairs]


async def suggested_tags(session: AsyncSession, actor_id: int, limit: int) -> Sequence[Tag]:
    """Hashtags of the actor's latest posts, most used first, minus those already featured."""
    latest = (
        select(Status.id).where(Status.actor_id == actor_id).order_by(Status.id.desc()).limit(SUGGESTION_SOURCE_POSTS)
    ).subquery()
    featured = select(FeaturedTag.tag_id).where(FeaturedTag.actor_id == actor_id)
    uses = (
        select(StatusTag.tag_id, func.count().label("uses"))
        .where(StatusTag.status_id.in_(select(latest.c.id)), StatusTag.tag_id.not_in(featured))
        .group_by(StatusTag.tag_id)
        .subquery()
    )
    query = select(Tag).join(uses, uses.c.tag_id == Tag.id).order_by(uses.c.uses.desc(), Tag.name).limit(limit)
    return (await session.scalars(query)).all()
