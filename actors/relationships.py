"""Which actors the client API shows as accounts, and how a viewer stands towards them.

An account is shown when it is a remote actor, a local one whose sign-in is enabled, or a local
community that is not secret (or secret, to its members and invitees): a disabled colleague has
left, the node's own Application actor is not a person, and a secret community exists for nobody
else (actors/communities.py).
Relationships (follows, blocks, and the viewer's mutes in force, endorsements and notes) are read
for a whole list of accounts at once (one query per direction and kind).
Two actors are `separated` — they may not follow each other — when either blocked the other or
either lives on a suspended server.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.communities import listed_community
from essaim.actors.domain_blocks import suspended_hosts
from essaim.actors.models import Account, AccountNote, Actor, ActorType, Block, Endorsement, Follow, Mute
from essaim.actors.mutes import domain_blocking, in_force
from essaim.actors.queries import with_profile
from essaim.actors.visibility import blocked_either_way


def shown(viewer_id: int | None = None) -> ColumnElement[bool]:
    """A WHERE clause on `Actor`: the actors the API may show as accounts (to `viewer_id`: their secret
    communities too)."""
    enabled = exists().where(Account.actor_id == Actor.id, Account.disabled_at.is_(None))
    community = listed_community(viewer_id=viewer_id)
    return and_(Actor.type != ActorType.APPLICATION.value, or_(Actor.domain.is_not(None), enabled, community))


async def shown_actor(session: AsyncSession, actor_id: int, viewer_id: int | None = None) -> Actor | None:
    """The actor behind an account id, with its profile loaded; None when missing or not shown."""
    return await session.scalar(with_profile(select(Actor).where(Actor.id == actor_id, shown(viewer_id))))


async def shown_by_handle(
    session: AsyncSession, username: str, domain: str | None, viewer_id: int | None = None
) -> Actor | None:
    """`username` on `domain` (None: this node), compared without case, as WebFinger addresses are."""
    place = Actor.domain.is_(None) if domain is None else func.lower(Actor.domain) == domain.lower()
    query = select(Actor).where(func.lower(Actor.username) == username.lower(), place, shown(viewer_id))
    return await session.scalar(with_profile(query))


@dataclass(frozen=True)
class Relationship:
    """How the viewer and one account are linked: follows, blocks, and the viewer's mute, endorsement and note."""

    actor_id: int
    following: bool = False
    requested: bool = False
    followed_by: bool = False
    requested_by: bool = False
    blocking: bool = False
    blocked_by: bool = False
    muting: bool = False
    muting_notifications: bool = False
    muting_expires_at: datetime | None = None
    endorsed: bool = False
    note: str = ""
    domain_blocking: bool = False


async def relationships(session: AsyncSession, viewer_id: int, actor_ids: Sequence[int]) -> list[Relationship]:
    """One relationship per id, in the order given."""
    ids = set(actor_ids)
    outgoing = select(Follow.followee_id, Follow.accepted).where(
        Follow.follower_id == viewer_id, Follow.followee_id.in_(ids)
    )
    incoming = select(Follow.follower_id, Follow.accepted).where(
        Follow.followee_id == viewer_id, Follow.follower_id.in_(ids)
    )
    mine = dict((await session.execute(outgoing)).all())
    theirs = dict((await session.execute(incoming)).all())
    blocking = set(
        await session.scalars(select(Block.target_id).where(Block.actor_id == viewer_id, Block.target_id.in_(ids)))
    )
    blocked_by = set(
        await session.scalars(select(Block.actor_id).where(Block.target_id == viewer_id, Block.actor_id.in_(ids)))
    )
    mutes = {
        target: (notifications, expires_at)
        for target, notifications, expires_at in await session.execute(
            select(Mute.target_id, Mute.notifications, Mute.expires_at).where(
                Mute.actor_id == viewer_id, Mute.target_id.in_(ids), in_force()
            )
        )
    }
    endorsed = set(
        await session.scalars(
            select(Endorsement.target_id).where(Endorsement.actor_id == viewer_id, Endorsement.target_id.in_(ids))
        )
    )
    noted = select(AccountNote.target_id, AccountNote.comment)
    notes = dict(
        (await session.execute(noted.where(AccountNote.actor_id == viewer_id, AccountNote.target_id.in_(ids)))).all()
    )
    domain_blocked = set(
        await session.scalars(select(Actor.id).where(Actor.id.in_(ids), domain_blocking(viewer_id, Actor.id)))
    )
    return [
        Relationship(
            actor_id,
            following=mine.get(actor_id) is True,
            requested=mine.get(actor_id) is False,
            followed_by=theirs.get(actor_id) is True,
            requested_by=theirs.get(actor_id) is False,
            blocking=actor_id in blocking,
            blocked_by=actor_id in blocked_by,
            muting=actor_id in mutes,
            muting_notifications=mutes.get(actor_id, (False, None))[0],
            muting_expires_at=mutes.get(actor_id, (False, None))[1],
            endorsed=actor_id in endorsed,
            note=notes.get(actor_id, ""),
            domain_blocking=actor_id in domain_blocked,
        )
        for actor_id in actor_ids
    ]


async def pending_requests(session: AsyncSession, actor_id: int) -> int:
    """How many follow requests wait for `actor_id`'s answer."""
    query = select(func.count()).where(Follow.followee_id == actor_id, Follow.accepted.is_(False))
    return int(await session.scalar(query) or 0)


async def separated(session: AsyncSession, one: Actor, other: Actor) -> bool:
    """Whether a block (made by either) or a suspended server keeps these two actors from following each other."""
    if await session.scalar(select(blocked_either_way(one.id, other.id))):
        return True
    return bool(await suspended_hosts(session, [actor.domain for actor in (one, other) if actor.domain]))
