"""Personal blocks: someone refuses someone else, on this node or across nodes.

A block separates two actors (as Mastodon's BlockService does): follows end both ways, with the
same federated messages as unfollowing and refusing (actions/follows.py) — the local party's own
follow is undone, a remote follower of the blocker gets a Reject — and the notifications and
home-feed entries between them go. A local person's block of a remote actor is sent to it as a
`Block`; unblocking sends its `Undo`. A peer's Block of a local person (inbox/handlers/moderation.py)
is stored and separates the two the same way, without sending anything back but the Undo of
the local person's follow.

What a block forbids from then on is not written here: the shared rules read the `blocks` table
(`visibility.visible_to` and `heard_from`, `relationships.separated`, `feeds`), so every path —
timelines, threads, search, notifications, follows, favourites, boosts, replies — obeys it.
"""

from __future__ import annotations

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Actor, Block, Notification
from essaim.ids import new_id
from essaim.outbox.actions import ActionError
from essaim.outbox.actions.follows import do_reject, do_remove_follower, do_unfollow, end_follow, unmerge
from essaim.outbox.federate_moderation import send_block, send_undo_block


def check_block(blocker: Actor, target: Actor) -> None:
    if blocker.id == target.id:
        raise ActionError("You cannot block yourself")


async def block_row(session: AsyncSession, blocker_id: int, target_id: int) -> Block | None:
    return await session.scalar(select(Block).where(Block.actor_id == blocker_id, Block.target_id == target_id))


async def do_block(session: AsyncSession, blocker: Actor, target: Actor, *, uri: str | None = None) -> Block:
    """`blocker` blocks `target` (an existing block is kept; `uri` is a peer's Block id, kept for its Undo)."""
    check_block(blocker, target)
    existing = await block_row(session, blocker.id, target.id)
    if existing is not None:
        if uri is not None and existing.uri != uri:
            existing.uri = uri  # the peer blocked again: its Undo will name this id
        return existing
    block = Block(id=new_id(), actor_id=blocker.id, target_id=target.id, uri=uri)
    session.add(block)
    await session.flush()
    await _end_follow(session, blocker, target, blocker)
    await _end_follow(session, target, blocker, blocker)
    await _forget_between(session, blocker, target)
    if blocker.is_local and not target.is_local:
        await send_block(session, block, blocker, target)
    return block


async def do_unblock(session: AsyncSession, blocker: Actor, target: Actor) -> bool:
    """Lift `blocker`'s block of `target` (a remote target is told); False when there was none."""
    block = await block_row(session, blocker.id, target.id)
    if block is None:
        return False
    if blocker.is_local and not target.is_local:
        await send_undo_block(session, block, blocker, target)
    await session.delete(block)
    await session.flush()
    return True


async def _end_follow(session: AsyncSession, follower: Actor, followee: Actor, blocker: Actor) -> None:
    """End `follower`'s follow or request of `followee`, telling the remote party what it must hear."""
    if follower.is_local:
        await do_unfollow(session, follower, followee)  # an Undo when the followee is remote
    elif followee.id == blocker.id:
        if not await do_reject(session, blocker, follower):  # a Reject of a request, or of a follow
            await do_remove_follower(session, blocker, follower)
    else:
        await end_follow(session, follower, followee.id)  # the remote blocker's server ended it already


async def _forget_between(session: AsyncSession, one: Actor, other: Actor) -> None:
    """Notifications either sent the other, and each one's posts in the other's home feed (mentions stay)."""
    await session.execute(
        delete(Notification).where(
            or_(
                and_(Notification.recipient_id == one.id, Notification.from_actor_id == other.id),
                and_(Notification.recipient_id == other.id, Notification.from_actor_id == one.id),
            )
        )
    )
    await unmerge(session, one.id, other.id)
    await unmerge(session, other.id, one.id)
