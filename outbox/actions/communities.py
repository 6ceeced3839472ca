"""Community actions: create one (beside its Group actor), join, leave, and what moderators do.

Membership is a `CommunityMember` row; a `member` row always stands beside an accepted `Follow` of
the Group (its followers are its members, FEP-1b12), and every change here keeps the two in step:
`_admit` makes the follow, `expel` ends it. A remote actor hears of its answer as it would from a
person: `Accept` when admitted, `Reject` when refused, removed or banned.

Remote people are admitted (joined, approved, invited) only from inside the community's boundary:
the node's internal domains and, for an external community, its partner domains (`actors/partners.py`).
`internal_domains` is `federation.internal_domains`; left out, nobody remote is inside.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.accounts import local_actor_by_handle, normalise_handle, set_local_uris
from essaim.actors.communities import (
    RESERVED_NAMES,
    TEMPLATES,
    community_of,
    join_outcome,
    may_moderate,
    membership,
    moderators,
)
from essaim.actors.feeds import notify
from essaim.actors.keys import new_key_pair
from essaim.actors.models import (
    Account,
    Actor,
    ActorType,
    Community,
    CommunityAccess,
    CommunityKind,
    CommunityMember,
    Follow,
    MemberRole,
    MemberState,
    NotificationType,
)
from essaim.actors.models.base import utcnow
from essaim.actors.partners import boundary_refusal, clean_domain
from essaim.actors.text import text_to_html
from essaim.ids import new_id
from essaim.outbox import federate_follows
from essaim.outbox.actions import Forbidden, Invalid, LocalNode, NotFound
from essaim.outbox.actions.community_welcome import queue_welcome
from essaim.outbox.actions.follows import do_follow, do_unfollow, end_follow
from essaim.outbox.federate_profile import federate_profile_update
from essaim.uris import LocalURIs


@dataclass(frozen=True)
class CommunityDraft:
    """A new community; None takes the template's value."""

    username: str
    display_name: str
    template: str = "trade"
    kind: str | None = None
    access: str | None = None
    ends_on: date | None = None
    charter: str | None = None
    rules: tuple[str, ...] | None = None
    welcome_message: str | None = None
    external: bool = False  # a partner or customer community (`partner_domains` admitted too)
    partner_domains: tuple[str, ...] = ()


def _choice(value: str, allowed: type[CommunityKind] | type[CommunityAccess], name: str) -> str:
    if value not in {v.value for v in allowed}:
        raise Invalid(f"{name} must be one of {', '.join(v.value for v in allowed)}")
    return value


async def do_create_community(
    session: AsyncSession, uris: LocalURIs, owner: Actor, draft: CommunityDraft
) -> tuple[Community, Actor]:
    """The Group actor (its own keys, locked unless open) and the community, with `owner` as its first member."""
    template = TEMPLATES.get(draft.template)
    if template is None:
        raise Invalid(f"template must be one of {', '.join(TEMPLATES)}")
    kind = _choice(draft.kind or template.kind, CommunityKind, "kind")
    access = _choice(draft.access or template.access, CommunityAccess, "access")
    if kind == CommunityKind.PROJECT.value and draft.ends_on is None:
        raise Invalid("a project community needs an end date")
    try:
        handle = normalise_handle(draft.username)
    except ValueError as error:
        raise Invalid(str(error)) from None
    if handle in RESERVED_NAMES:
        raise Invalid(f"The name {handle!r} is reserved")
    if await local_actor_by_handle(session, handle) is not None:
        raise Invalid("This username is taken")
    if draft.partner_domains and not draft.external:
        raise Invalid("only an external community has partner domains")
    partners = clean_domains(draft.partner_domains)
    keys = new_key_pair()
    group = Actor(
        type=ActorType.GROUP.value,
        username=handle,
        display_name=draft.display_name.strip() or handle,
        public_key_pem=keys.public_pem,
        private_key_pem=keys.private_pem,
        manually_approves_followers=access != CommunityAccess.OPEN.value,
        discoverable=access != CommunityAccess.SECRET.value,
        uri="",
        key_id="",
        skills=[],
        languages=[],
    )
    session.add(group)
    await session.flush()
    set_local_uris(group, uris)
    community = Community(
        actor_id=group.id,
        kind=kind,
        access=access,
        template=draft.template,
        ends_on=draft.ends_on,
        charter=draft.charter if draft.charter is not None else template.charter,
        rules=list(draft.rules if draft.rules is not None else template.rules),
        welcome_message=draft.welcome_message if draft.welcome_message is not None else template.welcome_message,
        external=draft.external,
        partner_domains=partners,
    )
    session.add(community)
    _describe(group, community.charter)
    await session.flush()
    row = CommunityMember(community_id=group.id, actor_id=owner.id, role=MemberRole.OWNER.value)
    session.add(row)
    await _admit(session, group, row, owner)
    return community, group


@dataclass(frozen=True)
class CommunityEdit:
    """What the owner and moderators may change; the name (handle) and kind stay."""

    display_name: str
    charter: str
    rules: tuple[str, ...]
    welcome_message: str
    access: str
    ends_on: date | None = None


async def do_edit_community(
    session: AsyncSession, node: LocalNode, community: Community, group: Actor, editor: Actor, edit: CommunityEdit
) -> None:
    """Change the community's texts, access and end date; remote members get the Group's `Update`
    (addressed to its members alone when the community is secret).

    `group` must be loaded with its profile (`queries.with_profile`), as the actor document renders it.
    """
    await check_moderator(session, community, editor)
    access = _choice(edit.access, CommunityAccess, "access")
    if community.kind == CommunityKind.PROJECT.value and edit.ends_on is None:
        raise Invalid("a project community needs an end date")
    group.display_name = edit.display_name.strip() or group.username
    group.manually_approves_followers = access != CommunityAccess.OPEN.value
    group.discoverable = access != CommunityAccess.SECRET.value
    community.access, community.charter = access, edit.charter.strip()
    community.rules = [rule.strip() for rule in edit.rules if rule.strip()]
    community.welcome_message = edit.welcome_message.strip()
    if community.kind == CommunityKind.PROJECT.value and edit.ends_on != community.ends_on:
        community.ends_on, community.reminded_for = edit.ends_on, None  # the reminder is due again for the new date
    _describe(group, community.charter)
    await session.flush()
    await federate_profile_update(session, group, node, to_followers=access == CommunityAccess.SECRET.value)


def _describe(group: Actor, charter: str) -> None:
    """The Group's `summary` is its charter, as other servers show it on the community's profile."""
    group.summary_source, group.summary = charter, text_to_html(charter)


def clean_domains(domains: Iterable[str]) -> list[str]:
    """Partner domains as stored (`clean_domain`), sorted and without repeats; Invalid for one that is not a domain."""
    try:
        return sorted({clean_domain(domain) for domain in domains})
    except ValueError as error:
        raise Invalid(str(error)) from None


def check_inside(community: Community, actor: Actor, internal_domains: Iterable[str]) -> None:
    """Forbidden (403) when the actor's server is outside the community's boundary."""
    refusal = boundary_refusal(community, internal_domains, actor.domain)
    if refusal is not None:
        raise Forbidden(refusal)


async def do_join(
    session: AsyncSession,
    community: Community,
    group: Actor,
    actor: Actor,
    *,
    follow_uri: str | None = None,
    internal_domains: Iterable[str] = (),
) -> str:
    """Join by the community's rule; the state reached (`member` or `requested`). Joining accepts the rules.

    A refusal is 404 for a secret community (it does not exist for the refused) and 403 otherwise.
    `follow_uri` is a remote joiner's Follow id, which the Accept will name.
    """
    row = await membership(session, community.actor_id, actor.id)
    refusal = boundary_refusal(community, internal_domains, actor.domain)
    outcome = join_outcome(community, row) if refusal is None else None
    if outcome is None:
        if community.access == CommunityAccess.SECRET.value and (row is None or row.state != MemberState.BANNED.value):
            raise NotFound()
        raise Forbidden(refusal or "You cannot join this community")
    asked_before = row is not None and row.state == outcome
    if row is None:
        row = CommunityMember(community_id=community.actor_id, actor_id=actor.id, state=outcome)
        session.add(row)
    if outcome == MemberState.MEMBER.value:
        await _admit(session, group, row, actor, follow_uri=follow_uri)
        return outcome
    row.state = outcome
    follow = await _follow(session, actor.id, group.id)
    if follow is None:
        session.add(Follow(id=new_id(), follower_id=actor.id, followee_id=group.id, accepted=False, uri=follow_uri))
    elif follow_uri is not None:
        follow.uri = follow_uri
    await session.flush()
    if not asked_before:  # the local moderators see the request as someone asking to follow them
        for moderator in await moderators(session, community.actor_id):
            await notify(session, recipient=moderator, sender_id=actor.id, kind=NotificationType.FOLLOW_REQUEST.value)
    return outcome


async def do_leave(session: AsyncSession, community: Community, group: Actor, actor: Actor) -> None:
    """Leave (or withdraw a request); the last owner cannot leave, and a ban is kept."""
    row = await membership(session, community.actor_id, actor.id)
    if row is not None and row.role == MemberRole.OWNER.value and await _owners(session, community) <= 1:
        raise Invalid("The last owner cannot leave the community")
    if row is not None and row.state != MemberState.BANNED.value:
        await session.delete(row)
    await end_follow(session, actor, group.id)


async def do_follow_or_join(session: AsyncSession, follower: Actor, target: Actor) -> None:
    """A Mastodon app's follow: joining when `target` is a local community (by its rules), else a follow."""
    community = await community_of(session, target.id) if target.is_local else None
    if community is None:
        await do_follow(session, follower, target)
    else:
        await do_join(session, community, target, follower)


async def do_unfollow_or_leave(session: AsyncSession, follower: Actor, target: Actor) -> None:
    """A Mastodon app's unfollow: leaving when `target` is a local community, else an unfollow."""
    community = await community_of(session, target.id) if target.is_local else None
    if community is None:
        await do_unfollow(session, follower, target)
    else:
        await do_leave(session, community, target, follower)


# --- moderation ----------------------------------------------------------------------------------------


async def check_moderator(session: AsyncSession, community: Community, moderator: Actor) -> None:
    if not may_moderate(await membership(session, community.actor_id, moderator.id)):
        raise Forbidden("Only the community's moderators can do this")


async def check_owner(session: AsyncSession, community: Community, owner: Actor) -> None:
    row = await membership(session, community.actor_id, owner.id)
    if row is None or row.role != MemberRole.OWNER.value or row.state != MemberState.MEMBER.value:
        raise Forbidden("Only an owner can do this")


async def _target(session: AsyncSession, community: Community, actor: Actor, state: str) -> CommunityMember:
    row = await membership(session, community.actor_id, actor.id)
    if row is None or row.state != state:
        raise NotFound()
    return row


async def do_approve(
    session: AsyncSession,
    community: Community,
    group: Actor,
    moderator: Actor,
    actor: Actor,
    *,
    internal_domains: Iterable[str] = (),
) -> None:
    """A moderator admits a pending request from inside the community's boundary."""
    await check_moderator(session, community, moderator)
    row = await _target(session, community, actor, MemberState.REQUESTED.value)
    check_inside(community, actor, internal_domains)
    await _admit(session, group, row, actor)


async def do_reject(session: AsyncSession, community: Community, group: Actor, moderator: Actor, actor: Actor) -> None:
    """A moderator refuses a pending request (a remote requester gets `Reject`)."""
    await check_moderator(session, community, moderator)
    row = await _target(session, community, actor, MemberState.REQUESTED.value)
    await session.delete(row)
    await expel(session, group, actor)


async def do_invite(
    session: AsyncSession, community: Community, moderator: Actor, actor: Actor, *, internal_domains: Iterable[str] = ()
) -> None:
    """A moderator invites someone from inside the community's boundary (the way into a secret community); members
    and the banned are left as they are."""
    await check_moderator(session, community, moderator)
    check_inside(community, actor, internal_domains)
    row = await membership(session, community.actor_id, actor.id)
    if row is None:
        session.add(
            CommunityMember(community_id=community.actor_id, actor_id=actor.id, state=MemberState.INVITED.value)
        )
    elif row.state == MemberState.REQUESTED.value:
        row.state = MemberState.INVITED.value
    await session.flush()


async def do_remove(
    session: AsyncSession, community: Community, group: Actor, moderator: Actor, actor: Actor, *, ban: bool = False
) -> None:
    """A moderator removes someone (they may ask again), or bans them (they may not); owners stay."""
    await check_moderator(session, community, moderator)
    row = await membership(session, community.actor_id, actor.id)
    if row is not None and row.role == MemberRole.OWNER.value:
        raise Forbidden("An owner cannot be removed")
    if ban:
        if row is None:
            row = CommunityMember(community_id=community.actor_id, actor_id=actor.id)
            session.add(row)
        row.state, row.role = MemberState.BANNED.value, MemberRole.MEMBER.value
    elif row is not None:
        await session.delete(row)
    await session.flush()
    await expel(session, group, actor)


async def do_set_role(session: AsyncSession, community: Community, owner: Actor, actor: Actor, role: str) -> None:
    """An owner promotes a member (moderator, owner) or demotes one; the last owner keeps their role."""
    await check_owner(session, community, owner)
    if role not in {r.value for r in MemberRole}:
        raise Invalid(f"role must be one of {', '.join(r.value for r in MemberRole)}")
    target = await _target(session, community, actor, MemberState.MEMBER.value)
    if (
        target.role == MemberRole.OWNER.value
        and role != MemberRole.OWNER.value
        and await _owners(session, community) <= 1
    ):
        raise Invalid("The community needs an owner")
    target.role = role
    await session.flush()


async def do_hand_over(session: AsyncSession, community: Community, group: Actor, actor: Actor) -> None:
    """An administrator gives a community a new owner (its owners left): a local person, admitted if need be.

    A person the community banned is refused: lift the ban first, knowingly.
    """
    enabled = await session.scalar(
        select(Account.id).where(Account.actor_id == actor.id, Account.disabled_at.is_(None))
    )
    if enabled is None or actor.type != ActorType.PERSON.value:
        raise Invalid("The new owner must be a person of this node whose account is active")
    row = await membership(session, community.actor_id, actor.id)
    if row is not None and row.state == MemberState.BANNED.value:
        raise Invalid(f"@{actor.username} is banned from this community")
    if row is None:
        row = CommunityMember(community_id=community.actor_id, actor_id=actor.id, state=MemberState.INVITED.value)
        session.add(row)
    row.role = MemberRole.OWNER.value
    if row.state != MemberState.MEMBER.value:
        await _admit(session, group, row, actor)
    await session.flush()


# --- membership and follows in step --------------------------------------------------------------------


async def _follow(session: AsyncSession, follower_id: int, group_id: int) -> Follow | None:
    return await session.scalar(select(Follow).where(Follow.follower_id == follower_id, Follow.followee_id == group_id))


async def _owners(session: AsyncSession, community: Community) -> int:
    rows = await session.scalars(
        select(CommunityMember.id).where(
            CommunityMember.community_id == community.actor_id,
            CommunityMember.role == MemberRole.OWNER.value,
            CommunityMember.state == MemberState.MEMBER.value,
        )
    )
    return len(rows.all())


async def _admit(
    session: AsyncSession, group: Actor, row: CommunityMember, actor: Actor, *, follow_uri: str | None = None
) -> None:
    """Make `actor` a member: the row, an accepted follow of the Group (Accept to a remote actor), and the
    welcome message of a new membership (not for the owner who creates the community)."""
    newly = row.state != MemberState.MEMBER.value or row.id is None
    row.state = MemberState.MEMBER.value
    row.rules_accepted_at = row.rules_accepted_at or utcnow()
    await session.flush()
    community = await community_of(session, group.id)
    if newly and community is not None and row.role != MemberRole.OWNER.value:
        await queue_welcome(session, community, row)
    follow = await _follow(session, actor.id, group.id)
    if follow is None:
        follow = Follow(id=new_id(), follower_id=actor.id, followee_id=group.id, uri=follow_uri)
        session.add(follow)
    elif follow_uri is not None:
        follow.uri = follow_uri
    follow.accepted = True
    await session.flush()
    if not actor.is_local:
        await federate_follows.send_accept(session, follow, actor, group)


async def expel(session: AsyncSession, group: Actor, actor: Actor) -> None:
    """The follow of the Group ends (a remote actor is told with `Reject`)."""
    follow = await _follow(session, actor.id, group.id)
    if follow is not None and not actor.is_local:
        await federate_follows.send_reject(session, follow, actor, group)
    await end_follow(session, actor, group.id)
