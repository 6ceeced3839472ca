"""What is trending on this node: hashtags and posts, computed from the last days of local public posts.

Only `public` posts by local people who are discoverable (and whose account is enabled) count; never a
boost, and for trending posts never a reply or a post behind a content warning, as Mastodon. Tags rank
by how many people used them over `WINDOW`, then how often; posts by favourites and boosts (at least
one). `now` comes from the caller, so tests move the clock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from essaim.actors.models import Account, Actor, Favourite, Status, StatusTag, Tag, Visibility
from essaim.actors.visibility import visible_to

WINDOW = timedelta(days=7)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class DayUse:
    day: datetime  # midnight UTC
    uses: int
    accounts: int


@dataclass(frozen=True)
class TrendingTag:
    tag: Tag
    history: list[DayUse]  # newest day first, WINDOW's days


def _counted(now: datetime) -> ColumnElement[bool]:
    """A WHERE clause on `Status`: the posts trends are computed from."""
    author = exists().where(
        Actor.id == Status.actor_id,
        Actor.domain.is_(None),
        Actor.discoverable.is_(True),
        exists().where(Account.actor_id == Actor.id, Account.disabled_at.is_(None)),
    )
    return and_(
        Status.visibility == Visibility.PUBLIC.value,
        Status.reblog_of_id.is_(None),
        Status.published >= now - WINDOW,
        Status.published <= now,
        author,
    )


async def trending_tags(session: AsyncSession, now: datetime, offset: int, limit: int) -> Sequence[TrendingTag]:
    people = func.count(func.distinct(Status.actor_id))
    ranked = (
        select(StatusTag.tag_id)
        .join(Status, Status.id == StatusTag.status_id)
        .where(_counted(now))
        .group_by(StatusTag.tag_id)
        .order_by(people.desc(), func.count().desc(), StatusTag.tag_id)
        .offset(offset)
        .limit(limit)
    )
    tag_ids = list((await session.scalars(ranked)).all())
    if not tag_ids:
        return []
    tags = {tag.id: tag for tag in await session.scalars(select(Tag).where(Tag.id.in_(tag_ids)))}
    uses = await session.execute(
        select(StatusTag.tag_id, Status.published, Status.actor_id)
        .join(Status, Status.id == StatusTag.status_id)
        .where(StatusTag.tag_id.in_(tag_ids), _counted(now))
    )
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    per_day: dict[tuple[int, datetime], list[int]] = defaultdict(list)
    for tag_id, published, actor_id in uses:
        per_day[(tag_id, published.replace(hour=0, minute=0, second=0, microsecond=0))].append(actor_id)
    days = [today - DAY * n for n in range(WINDOW.days)]
    return [
        TrendingTag(
            tags[tag_id],
            [DayUse(day, len(per_day[(tag_id, day)]), len(set(per_day[(tag_id, day)]))) for day in days],
        )
        for tag_id in tag_ids
    ]


async def trending_statuses(
    session: AsyncSession, now: datetime, viewer_id: int | None, offset: int, limit: int
) -> Sequence[Status]:
    boosts = aliased(Status)
    favourites = select(func.count()).where(Favourite.status_id == Status.id).scalar_subquery()
    boosted = select(func.count()).where(boosts.reblog_of_id == Status.id).scalar_subquery()
    engagement = favourites + boosted
    query = (
        select(Status)
        .where(
            _counted(now),
            Status.in_reply_to_id.is_(None),
            Status.spoiler_text == "",
            Status.sensitive.is_(False),
            engagement > 0,
            visible_to(viewer_id),
        )
        .order_by(engagement.desc(), Status.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return (await session.scalars(query)).all()
