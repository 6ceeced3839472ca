"""Community rules: who may see a community, join it, post in it and moderate it.

Pure decisions (`join_outcome`, `posting_refusal`, `may_moderate`) take the rows they judge, so
they are tested without a database; the queries around them read those rows. Templates give a
new community its kind, access and texts; the caller may override any of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased

from essaim.actors.models import (
    Actor,
    Community,
    CommunityAccess,
    CommunityKind,
    CommunityMember,
    MemberRole,
    MemberState,
    Status,
)


@dataclass(frozen=True)
class Template:
    title: str  # what the creation form calls it
    kind: str
    access: str
    charter: str
    rules: tuple[str, ...]
    welcome_message: str


_KIND_RULE = "Be kind and assume good intent."
_STAYS_HERE = "What is said here stays here."
TEMPLATES: dict[str, Template] = {
    "team": Template(
        "Team",
        CommunityKind.LASTING.value,
        CommunityAccess.CLOSED.value,
        "One team's room: news, decisions and daily questions.",
        (_KIND_RULE, _STAYS_HERE),
        "Welcome to the team!",
    ),
    "trade": Template(
        "Community of practice",
        CommunityKind.LASTING.value,
        CommunityAccess.OPEN.value,
        "People who share a trade: questions, answers and good practice.",
        (_KIND_RULE, "No customer data in posts."),
        "Welcome! Introduce yourself and what you work on.",
    ),
    "site": Template(
        "Site",
        CommunityKind.LASTING.value,
        CommunityAccess.CLOSED.value,
        "Everyone working at one site: news, practicalities, events.",
        (_KIND_RULE, _STAYS_HERE),
        "Welcome to the site's community.",
    ),
    "project": Template(
        "Project",
        CommunityKind.PROJECT.value,
        CommunityAccess.SECRET.value,
        "The project team's room until the project ends.",
        (_STAYS_HERE,),
        "Welcome to the project.",
    ),
    "customer": Template(
        "Customer community",
        CommunityKind.LASTING.value,
        CommunityAccess.CLOSED.value,
        "Our customers and us: questions, answers between customers, news of the product.",
        (_KIND_RULE, "No confidential data: other customers read this.", "Support cases go to the support desk."),
        "Welcome! Tell us which product you use and what you would like to hear about.",
    ),
    "qa": Template(
        "Questions & answers",
        CommunityKind.LASTING.value,
        CommunityAccess.OPEN.value,
        "Ask a question, answer others: one question per post, answers as replies.",
        (_KIND_RULE, "Search before asking.", "Reply to the question, do not start a new post."),
        "Welcome! Ask your first question, or answer one.",
    ),
}
RESERVED_NAMES = frozenset({"new", "edit"})  # would shadow the pages under /communities/


def join_outcome(community: Community, membership: CommunityMember | None) -> str | None:
    """The state a join leaves the actor in (`member` or `requested`), or None when the join is refused.

    Open: member at once. Closed: a request a moderator answers. Secret: only the invited join.
    Nobody joins an archived community, and a banned actor never comes back by joining.
    """
    if community.archived_at is not None:
        return None
    if membership is not None:
        if membership.state == MemberState.BANNED.value:
            return None
        if membership.state in (MemberState.MEMBER.value, MemberState.INVITED.value):
            return MemberState.MEMBER.value
    if community.access == CommunityAccess.OPEN.value:
        return MemberState.MEMBER.value
    if community.access == CommunityAccess.CLOSED.value:
        return MemberState.REQUESTED.value
    return None


def posting_refusal(community: Community, membership: CommunityMember | None) -> str | None:
    """Why this actor may not post in the community; None when they may (members of a live community)."""
    if community.archived_at is not None:
        return "This community is archived"
    if membership is None or membership.state != MemberState.MEMBER.value:
        return "Only members can post in this community"
    return None


LOCKED = "This post is locked: it takes no more replies"
MAX_THREAD_DEPTH = 256  # how far up a thread a lock is looked for


async def locked_thread(session: AsyncSession, parent: Status | None) -> bool:
    """Whether a reply to `parent` is refused: it, or a post above it in its thread, was locked by moderators."""
    for _ in range(MAX_THREAD_DEPTH):
        if parent is None:
            return False
        if parent.locked_at is not None:
            return True
        if parent.in_reply_to_id is None:
            return False
        parent = await session.get(Status, parent.in_reply_to_id)
    return False


def may_moderate(membership: CommunityMember | None) -> bool:
    """Owners and moderators answer requests, invite, remove, ban; only current members hold a role."""
    return (
        membership is not None
        and membership.state == MemberState.MEMBER.value
        and membership.role in (MemberRole.OWNER.value, MemberRole.MODERATOR.value)
    )


INSIDERS = (MemberState.MEMBER.value, MemberState.INVITED.value)  # who may know a secret community exists


def listed_community(
    actor: type[Actor] = Actor, *, viewer_id: int | None = None, viewer_host: str | None = None
) -> ColumnElement[bool]:
    """SQL on `Actor`: a local community the viewer may know exists — open or closed, or secret with the viewer
    among its members or invited. `viewer_host` stands for a whole server (a peer's Application actor signing
    a fetch): a secret community is shown to the server of any of its remote members or invitees."""
    allowed: ColumnElement[bool] = Community.access != CommunityAccess.SECRET.value
    inside = (CommunityMember.community_id == Community.actor_id) & CommunityMember.state.in_(INSIDERS)
    if viewer_id is not None:
        allowed = or_(allowed, exists().where(inside, CommunityMember.actor_id == viewer_id))
    if viewer_host is not None:
        remote = aliased(Actor)
        on_host = (remote.id == CommunityMember.actor_id) & (remote.domain == viewer_host.lower())
        allowed = or_(allowed, exists().where(inside, on_host))
    return exists().where(Community.actor_id == actor.id, allowed)


def hidden_community(actor_id: ColumnElement[int] | InstrumentedAttribute[int]) -> ColumnElement[bool]:
    """SQL: `actor_id` is a secret community. What counts and lists a person's follows for others leaves
    these out, so a member's following count or collection never reveals that one exists."""
    return exists().where(Community.actor_id == actor_id, Community.access == CommunityAccess.SECRET.value)


async def community_of(session: AsyncSession, actor_id: int) -> Community | None:
    """The local community whose Group actor this is; None for anyone else."""
    return await session.get(Community, actor_id)


async def membership(session: AsyncSession, community_id: int, actor_id: int) -> CommunityMember | None:
    return await session.scalar(
        select(CommunityMember).where(
            CommunityMember.community_id == community_id, CommunityMember.actor_id == actor_id
        )
    )


async def is_member(session: AsyncSession, community_id: int, actor_id: int) -> bool:
    found = await membership(session, community_id, actor_id)
    return found is not None and found.state == MemberState.MEMBER.value


async def members(
    session: AsyncSession, community_id: int, state: str | None = None
) -> list[tuple[CommunityMember, Actor]]:
    """Rows and actors of a community, oldest first; `state` keeps one kind (members, requests…)."""
    query = select(CommunityMember, Actor).join(Actor, Actor.id == CommunityMember.actor_id)
    query = query.where(CommunityMember.community_id == community_id)
    if state is not None:
        query = query.where(CommunityMember.state == state)
    return [(row, actor) for row, actor in (await session.execute(query.order_by(CommunityMember.id))).all()]


async def moderators(session: AsyncSession, community_id: int) -> list[Actor]:
    """The community's owners and moderators (local and remote), oldest first."""
    query = (
        select(Actor)
        .join(CommunityMember, CommunityMember.actor_id == Actor.id)
        .where(
            CommunityMember.community_id == community_id,
            CommunityMember.state == MemberState.MEMBER.value,
            CommunityMember.role.in_((MemberRole.OWNER.value, MemberRole.MODERATOR.value)),
        )
    )
    return list((await session.scalars(query.order_by(CommunityMember.id))).all())


async def communities_of(session: AsyncSession, actor_id: int) -> list[tuple[Community, Actor]]:
    """The local communities an actor is a member of, with their Group actors."""
    query = (
        select(Community, Actor)
        .join(Actor, Actor.id == Community.actor_id)
        .join(CommunityMember, CommunityMember.community_id == Community.actor_id)
        .where(CommunityMember.actor_id == actor_id, CommunityMember.state == MemberState.MEMBER.value)
    )
    return [(c, a) for c, a in (await session.execute(query.order_by(Actor.username))).all()]


async def may_see_community(session: AsyncSession, community: Community, viewer_id: int | None) -> bool:
    """A secret community exists only for its members (and those invited); others know open and closed ones."""
    if community.access != CommunityAccess.SECRET.value:
        return True
    if viewer_id is None:
        return False
    found = await membership(session, community.actor_id, viewer_id)
    return found is not None and found.state in INSIDERS
