"""`essaim community create|list|members|join|leave|approve|reject|invite|remove|ban|role|lock|unlock|pin|unpin`
(and the lifecycle steps of `cli.community_lifecycle`, the partners of `cli.community_partners`): communities
from the shell.

Moderation steps act as `--by` (a moderator's handle), by default the community's first owner.
A remote actor named `user@host` must be known to this node already.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.communities import TEMPLATES, members
from essaim.actors.domain_blocks import load_block_list
from essaim.actors.models import Actor, Community, CommunityMember, MemberRole
from essaim.actors.models.base import utcnow
from essaim.cli.database import in_transaction
from essaim.config import Config
from essaim.inbox.policy import FederationPolicy
from essaim.outbox.actions import NotFound
from essaim.outbox.actions import communities as act
from essaim.outbox.actions import community_governance as governance
from essaim.uris import LocalURIs


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    community = commands.add_parser("community", help="communities (Group actors) and their members")
    actions = community.add_subparsers(dest="community_command", required=True, metavar="ACTION")

    create = actions.add_parser("create", help="create a community owned by a local person")
    create.add_argument("username")
    create.add_argument("--name", default="", help="its display name")
    create.add_argument("--owner", required=True, help="the owner's handle")
    create.add_argument("--template", default="trade", choices=list(TEMPLATES), help="its kind, access and texts")
    create.add_argument("--kind", choices=("lasting", "project"), default=None)
    create.add_argument("--access", choices=("open", "closed", "secret"), default=None)
    create.add_argument("--ends-on", type=date.fromisoformat, default=None, help="a project's end (YYYY-MM-DD)")
    create.add_argument("--external", action="store_true", help="a partner or customer community")
    create.add_argument(
        "--partner", action="append", default=[], metavar="DOMAIN", help="a partner domain it admits (repeatable)"
    )
    create.set_defaults(handler=create_command)

    actions.add_parser("list", help="list the node's communities").set_defaults(handler=list_command)

    listing = actions.add_parser("members", help="list a community's members, requests, invitations and bans")
    listing.add_argument("community")
    listing.set_defaults(handler=members_command)

    for name, help_text in (("join", "join as this person"), ("leave", "leave as this person")):
        step = actions.add_parser(name, help=help_text)
        step.add_argument("community")
        step.add_argument("person")
        step.set_defaults(handler=join_command if name == "join" else leave_command)

    for name, help_text in (
        ("approve", "admit a pending request"),
        ("reject", "refuse a pending request"),
        ("invite", "invite someone"),
        ("remove", "remove a member"),
        ("ban", "ban someone"),
    ):
        step = actions.add_parser(name, help=help_text)
        step.add_argument("community")
        step.add_argument("person")
        step.add_argument("--by", default=None, help="the moderator's handle (default: the first owner)")
        step.set_defaults(handler=moderation_command, step=name)

    for name, help_text in (
        ("lock", "lock a post of the community: no more replies"),
        ("unlock", "take replies to a locked post again"),
        ("pin", "pin a post of the community (an announcement)"),
        ("unpin", "unpin a post"),
    ):
        step = actions.add_parser(name, help=help_text)
        step.add_argument("community")
        step.add_argument("status_id", type=int, help="the post's id")
        step.add_argument("--by", default=None, help="the moderator's handle (default: the first owner)")
        step.set_defaults(handler=post_command, step=name)

    role = actions.add_parser("role", help="promote or demote a member (owner, moderator, member)")
    role.add_argument("community")
    role.add_argument("person")
    role.add_argument("role", choices=[r.value for r in MemberRole])
    role.add_argument("--by", default=None, help="an owner's handle (default: the first owner)")
    role.set_defaults(handler=role_command)
    from essaim.cli import community_lifecycle, community_partners  # here: their commands use this module's lookups

    community_lifecycle.register(actions)
    community_partners.register(actions)


async def _actor(session: AsyncSession, handle: str) -> Actor:
    username, _, domain = handle.lstrip("@").partition("@")
    place = Actor.domain.is_(None) if not domain else func.lower(Actor.domain) == domain.lower()
    found = await session.scalar(select(Actor).where(func.lower(Actor.username) == username.lower(), place))
    if found is None:
        raise NotFound(f"No actor {handle!r} on this node")
    return found


async def _community(session: AsyncSession, handle: str) -> tuple[Community, Actor]:
    group = await _actor(session, handle)
    community = await session.get(Community, group.id)
    if community is None:
        raise NotFound(f"{handle!r} is not a community of this node")
    return community, group


async def _moderator(session: AsyncSession, community: Community, handle: str | None) -> Actor:
    if handle is not None:
        return await _actor(session, handle)
    owner = await session.scalar(
        select(Actor)
        .join(CommunityMember, CommunityMember.actor_id == Actor.id)
        .where(CommunityMember.community_id == community.actor_id, CommunityMember.role == MemberRole.OWNER.value)
        .order_by(CommunityMember.id)
    )
    if owner is None:
        raise NotFound("The community has no owner")
    return owner


async def tell_policy(config: Config, session: AsyncSession, domains: list[str]) -> None:
    """Warn (on stderr) of partner domains the node's federation policy refuses: they are not added to it."""
    policy = FederationPolicy(config, await load_block_list(session))
    for domain in (domain for domain in domains if not policy.allows(domain)):
        print(
            f"essaim: warning: this node does not federate with {domain}: "
            "add it to federation.allowlist (and lift any block) so its people can join",
            file=sys.stderr,
        )


def create_command(config: Config, args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> None:
        owner = await _actor(session, args.owner)
        draft = act.CommunityDraft(
            args.username,
            args.name,
            args.template,
            args.kind,
            args.access,
            args.ends_on,
            external=args.external,
            partner_domains=tuple(args.partner),
        )
        community, group = await act.do_create_community(session, LocalURIs(config.base_url), owner, draft)
        external = " external" if community.external else ""
        print(f"Created {community.access}{external} community @{group.username} ({group.uri}).")
        await tell_policy(config, session, community.partner_domains)

    return in_transaction(config, work)


def list_command(config: Config, args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> None:
        rows = await session.execute(select(Community, Actor).join(Actor, Actor.id == Community.actor_id))
        for community, group in rows.all():
            archived = " archived" if community.archived_at else ""
            print(f"@{group.username}\t{community.kind}\t{community.access}{archived}\t{group.display_name}")

    return in_transaction(config, work)


def members_command(config: Config, args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> None:
        community, _ = await _community(session, args.community)
        for row, actor in await members(session, community.actor_id):
            handle = actor.username if actor.domain is None else f"{actor.username}@{actor.domain}"
            print(f"@{handle}\t{row.role}\t{row.state}")

    return in_transaction(config, work)


def join_command(config: Config, args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> None:
        community, group = await _community(session, args.community)
        person = await _actor(session, args.person)
        internal = config.federation.internal_domains
        state = await act.do_join(session, community, group, person, internal_domains=internal)
        print(f"{args.person}: {state}.")

    return in_transaction(config, work)


def leave_command(config: Config, args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> None:
        community, group = await _community(session, args.community)
        await act.do_leave(session, community, group, await _actor(session, args.person))
        print(f"{args.person} left.")

    return in_transaction(config, work)


def moderation_command(config: Config, args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> None:
        community, group = await _community(session, args.community)
        moderator = await _moderator(session, community, args.by)
        person = await _actor(session, args.person)
        internal = config.federation.internal_domains
        match args.step:
            case "approve":
                await act.do_approve(session, community, group, moderator, person, internal_domains=internal)
            case "reject":
                await act.do_reject(session, community, group, moderator, person)
            case "invite":
                await act.do_invite(session, community, moderator, person, internal_domains=internal)
            case "remove" | "ban":
                await act.do_remove(session, community, group, moderator, person, ban=args.step == "ban")
        print(f"{args.step}: {args.person}.")

    return in_transaction(config, work)


def post_command(config: Config, args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> None:
        community, group = await _community(session, args.community)
        moderator = await _moderator(session, community, args.by)
        status = await governance.community_post(session, community, moderator, args.status_id)
        if args.step in ("lock", "unlock"):
            locked, internal = args.step == "lock", config.federation.internal_domains
            await governance.do_lock(
                session, group, moderator, status, locked=locked, now=utcnow(), internal_domains=internal
            )
        else:
            pinned, internal = args.step == "pin", config.federation.internal_domains
            await governance.do_pin(session, group, moderator, status, pinned=pinned, internal_domains=internal)
        print(f"{args.step}: {args.status_id}.")

    return in_transaction(config, work)


def role_command(config: Config, args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> None:
        community, _ = await _community(session, args.community)
        owner = await _moderator(session, community, args.by)
        await act.do_set_role(session, community, owner, await _actor(session, args.person), args.role)
        print(f"{args.person} is now {args.role}.")

    return in_transaction(config, work)
