"""Auto-membership rules as SQL: who a community's rules admit, and which communities a person's profile admits.

A community's rules are alternatives (site Lyon, or department Sales): a local person matching any
of them belongs. Values compare case-insensitively (the database's `lower`, on both sides) and without
surrounding spaces.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from essaim.actors.models import Account, Actor, CommunityRule, RuleAttribute


def _attribute(name: str) -> InstrumentedAttribute[str | None]:
    return Actor.site if name == RuleAttribute.SITE.value else Actor.department


def admitted_by(rules: list[CommunityRule]) -> ColumnElement[bool]:
    """SQL on `Actor` (joined to `Account`): a local, enabled person one of `rules` admits."""
    matches = [func.lower(func.trim(_attribute(rule.attribute))) == func.lower(rule.value) for rule in rules]
    return and_(Actor.domain.is_(None), Account.disabled_at.is_(None), or_(false(), *matches))


async def rules_of(session: AsyncSession, community_id: int) -> list[CommunityRule]:
    query = select(CommunityRule).where(CommunityRule.community_id == community_id)
    return list((await session.scalars(query.order_by(CommunityRule.id))).all())


async def admitted_people(session: AsyncSession, community_id: int) -> set[int]:
    """The actor ids the community's rules admit now."""
    rules = await rules_of(session, community_id)
    if not rules:
        return set()
    query = select(Actor.id).join(Account, Account.actor_id == Actor.id).where(admitted_by(rules))
    return set((await session.scalars(query)).all())


async def ruled_communities(session: AsyncSession) -> list[int]:
    """The communities that have at least one rule."""
    return list((await session.scalars(select(CommunityRule.community_id).distinct())).all())
