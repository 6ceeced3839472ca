"""Auto-membership: add and remove a community's rules, and keep its members in step with them.

A person a rule admits becomes a member whatever the community's access (the rule stands for a
moderator's invitation), unless banned; the row is marked `by_rule`, and only such plain members are
removed when no rule admits them any more (they moved site, the rule went). People who joined by
themselves, moderators and owners stay. Archived communities are left as they are.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.communities import membership
from essaim.actors.community_rules import admitted_people, ruled_communities, rules_of
from essaim.actors.models import (
    Actor,
    Community,
    CommunityMember,
    CommunityRule,
    MemberRole,
    MemberState,
    RuleAttribute,
)
from essaim.ids import new_id
from essaim.outbox.actions import Invalid, NotFound, insert_ignoring_duplicates
from essaim.outbox.actions.communities import do_join, do_leave

MAX_VALUE = 255  # the width of the column, as the directory attributes


async def do_add_rule(session: AsyncSession, community: Community, attribute: str, value: str) -> int:
    """Add a rule (a duplicate is ignored) and admit the people it covers; how many joined."""
    if attribute not in {a.value for a in RuleAttribute}:
        raise Invalid(f"attribute must be one of {', '.join(a.value for a in RuleAttribute)}")
    value = value.strip()
    if not value or len(value) > MAX_VALUE:
        raise Invalid(f"value must be 1 to {MAX_VALUE} characters")
    await insert_ignoring_duplicates(
        session, CommunityRule, id=new_id(), community_id=community.actor_id, attribute=attribute, value=value
    )
    added, _ = await apply_rules(session, community)
    return added


async def do_remove_rule(session: AsyncSession, community: Community, attribute: str, value: str) -> int:
    """Remove a rule and the members only it admitted; how many left."""
    removed = await session.execute(
        delete(CommunityRule).where(
            CommunityRule.community_id == community.actor_id,
            CommunityRule.attribute == attribute,
            CommunityRule.value == value.strip(),
        )
    )
    if removed.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound("No such rule")
    _, left = await apply_rules(session, community)
    return left


async def apply_rules(session: AsyncSession, community: Community) -> tuple[int, int]:
    """Admit whom the rules cover and remove rule-made members they no longer cover; (added, removed)."""
    if community.archived_at is not None:
        return 0, 0
    admitted = await admitted_people(session, community.actor_id)
    by_rule = select(CommunityMember.actor_id).where(
        CommunityMember.community_id == community.actor_id, CommunityMember.by_rule.is_(True)
    )
    concerned = admitted | set((await session.scalars(by_rule)).all())
    group = await session.get_one(Actor, community.actor_id)
    added = removed = 0
    for actor in (await session.scalars(select(Actor).where(Actor.id.in_(concerned)))).all():
        change = await _settle(session, community, group, actor, actor.id in admitted)
        added, removed = added + (change > 0), removed + (change < 0)
    return added, removed


async def apply_rules_to(session: AsyncSession, actor: Actor) -> None:
    """After a profile change: join or leave the ruled communities as `actor`'s attributes now say."""
    for community_id in await ruled_communities(session):
        community = await session.get_one(Community, community_id)
        if community.archived_at is None:
            group = await session.get_one(Actor, community_id)
            await _settle(session, community, group, actor, actor.id in await admitted_people(session, community_id))


async def apply_all_rules(session: AsyncSession) -> int:
    """The sweep: every ruled community in step (new people, profiles changed elsewhere); how many changes."""
    changes = 0
    for community_id in await ruled_communities(session):
        added, removed = await apply_rules(session, await session.get_one(Community, community_id))
        changes += added + removed
    return changes


async def rules_listing(session: AsyncSession, community: Community) -> list[tuple[str, str]]:
    return [(rule.attribute, rule.value) for rule in await rules_of(session, community.actor_id)]


async def _settle(session: AsyncSession, community: Community, group: Actor, actor: Actor, admitted: bool) -> int:
    """One person in step with the rules: 1 when they joined, -1 when they left, 0 when nothing changed."""
    row = await membership(session, community.actor_id, actor.id)
    if admitted:
        if row is not None and row.state in (MemberState.MEMBER.value, MemberState.BANNED.value):
            return 0
        if row is None:
            row = CommunityMember(community_id=community.actor_id, actor_id=actor.id)
            session.add(row)
        row.state, row.by_rule = MemberState.INVITED.value, True  # the rule invites; joining admits
        await session.flush()
        await do_join(session, community, group, actor)
        return 1
    plain = row is not None and row.state == MemberState.MEMBER.value and row.role == MemberRole.MEMBER.value
    if plain and row is not None and row.by_rule:
        await do_leave(session, community, group, actor)
        return -1
    return 0
