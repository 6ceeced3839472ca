"""A project community's life: when its owners are reminded of its end, when it is archived, who has no owner.

Dates are the UTC calendar day of the `now` the caller passes (tests move it): a project whose
`ends_on` is today or past is over, and its owners hear of it `reminder_days` before.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Account, Actor, Community, CommunityKind, CommunityMember, MemberRole, MemberState


def today(now: datetime) -> date:
    """The calendar day end dates are compared with (UTC, like every stored time)."""
    return now.date()


def live_project() -> ColumnElement[bool]:
    return and_(Community.kind == CommunityKind.PROJECT.value, Community.archived_at.is_(None))


def reminder_due(day: date, reminder_days: int) -> ColumnElement[bool]:
    """SQL: a live project ending within `reminder_days` whose owners were not yet reminded of this end date."""
    return and_(
        live_project(),
        Community.ends_on <= day + timedelta(days=reminder_days),
        or_(Community.reminded_for.is_(None), Community.reminded_for != Community.ends_on),
    )


def ended(day: date) -> ColumnElement[bool]:
    """SQL: a live project whose end date has come."""
    return and_(live_project(), Community.ends_on <= day)


async def owners(session: AsyncSession, community_id: int) -> list[Actor]:
    """The community's current owners (local ones: only they are told)."""
    query = (
        select(Actor)
        .join(CommunityMember, CommunityMember.actor_id == Actor.id)
        .where(
            CommunityMember.community_id == community_id,
            CommunityMember.role == MemberRole.OWNER.value,
            CommunityMember.state == MemberState.MEMBER.value,
            Actor.domain.is_(None),
        )
    )
    return list((await session.scalars(query.order_by(CommunityMember.id))).all())


def _active_owner() -> ColumnElement[bool]:
    """SQL on `Community`: an owner who is still a member and whose account is not disabled."""
    return exists().where(
        CommunityMember.community_id == Community.actor_id,
        CommunityMember.role == MemberRole.OWNER.value,
        CommunityMember.state == MemberState.MEMBER.value,
        Account.actor_id == CommunityMember.actor_id,
        Account.disabled_at.is_(None),
    )


async def ownerless(session: AsyncSession) -> list[tuple[Community, Actor]]:
    """Live communities nobody can run any more (their owners left or were disabled): for administrators."""
    query = (
        select(Community, Actor)
        .join(Actor, Actor.id == Community.actor_id)
        .where(Community.archived_at.is_(None), ~_active_owner())
    )
    return [(c, a) for c, a in (await session.execute(query.order_by(Actor.username))).all()]
