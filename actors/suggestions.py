"""Whom to suggest a person follows: people followed by people they follow, and colleagues (same
department or site, from the enterprise profile).

Only discoverable people (actors/directory.py), never oneself, anyone already followed or asked,
anyone a block stands between, or anyone the person turned down (`SuggestionDismissal`). Ranked by how
many of one's follows follow them, then department before site.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from essaim.actors.directory import discoverable_people
from essaim.actors.models import Actor, Follow, SuggestionDismissal
from essaim.actors.visibility import blocked_either_way

FRIENDS_OF_FRIENDS = "friends_of_friends"
COLLEAGUES = "featured"  # Mastodon's word for people the node itself proposes


@dataclass
class Suggestion:
    actor_id: int
    sources: list[str]
    score: int = 0


def _eligible(viewer: Actor) -> ColumnElement[bool]:
    """A WHERE clause on `Actor`: whom `viewer` may be suggested."""
    theirs = aliased(Follow)  # not the outer query's Follow, which the friends' query joins
    asked = exists().where(theirs.follower_id == viewer.id, theirs.followee_id == Actor.id)
    dismissed = exists().where(SuggestionDismissal.actor_id == viewer.id, SuggestionDismissal.target_id == Actor.id)
    return and_(
        discoverable_people(), Actor.id != viewer.id, ~asked, ~dismissed, ~blocked_either_way(viewer.id, Actor.id)
    )


async def suggestions(session: AsyncSession, viewer: Actor, limit: int) -> Sequence[Suggestion]:
    found: dict[int, Suggestion] = {}
    mine = aliased(Follow)
    followed = select(mine.followee_id).where(mine.follower_id == viewer.id, mine.accepted.is_(True))
    by_friends = (
        select(Actor.id, func.count())
        .join(Follow, Follow.followee_id == Actor.id)
        .where(Follow.follower_id.in_(followed), Follow.accepted.is_(True), _eligible(viewer))
        .group_by(Actor.id)
        .order_by(func.count().desc(), Actor.id)
        .limit(limit)
    )
    for actor_id, count in await session.execute(by_friends):
        found[actor_id] = Suggestion(actor_id, [FRIENDS_OF_FRIENDS], 2 * count)
    same = [Actor.department == viewer.department] if viewer.department else []
    same += [Actor.site == viewer.site] if viewer.site else []
    if same:
        colleagues = select(Actor.id, Actor.department, Actor.site).where(
            Actor.domain.is_(None), or_(*same), _eligible(viewer)
        )
        for actor_id, department, site in await session.execute(colleagues.order_by(Actor.id).limit(limit * 4)):
            score = (2 if viewer.department and department == viewer.department else 0) + (site == viewer.site)
            entry = found.setdefault(actor_id, Suggestion(actor_id, []))
            entry.sources.append(COLLEAGUES)
            entry.score += score
    return sorted(found.values(), key=lambda s: (-s.score, s.actor_id))[:limit]


async def dismiss_suggestion(session: AsyncSession, viewer_id: int, target_id: int) -> None:
    """Never suggest `target_id` to `viewer_id` again (repeating it is harmless)."""
    if await session.get(SuggestionDismissal, (viewer_id, target_id)) is None:
        session.add(SuggestionDismissal(actor_id=viewer_id, target_id=target_id))
        await session.flush()
