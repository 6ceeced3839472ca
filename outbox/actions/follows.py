"""Following: follow, unfollow, answer follow requests, remove a follower; keep home feeds in step.

As in Mastodon, an accepted follow copies the followee's recent posts into the follower's home feed
(and accepts the followee's pending notification request), and ending a follow takes them out again;
the notification about a follow or a request lives as long as the follow or the request does. A
follow of a remote actor stays a request until their Accept arrives (inbox/handlers/follows.py).

Remote parties are told in the same transaction (outbox/federate_follows.py): following a
remote actor sends a Follow, unfollowing an Undo; accepting a remote requester sends an
Accept; refusing them, or removing them from one's followers, a Reject.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, and_, delete, exists, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.feeds import notify
from essaim.actors.models import Actor, Follow, HomeFeedEntry, Mention, Notification, NotificationType, Status
from essaim.actors.relationships import separated
from essaim.actors.visibility import visible_to
from essaim.ids import new_id
from essaim.outbox import federate_follows
from essaim.outbox.actions import ActionError, Forbidden
from essaim.outbox.actions.notification_requests import accept_from

BACKFILL = 40  # posts copied into a new follower's home feed
FOLLOW_NOTICES = (NotificationType.FOLLOW.value, NotificationType.FOLLOW_REQUEST.value)


async def check_follow(session: AsyncSession, follower: Actor, target: Actor) -> None:
    """Nobody follows themselves, nor an account that moved, nor across a block (either way) or to or from a
    suspended server."""
    if follower.id == target.id:
        raise ActionError("You cannot follow yourself")
    if target.moved_to_uri is not None:
        raise ActionError("This account has moved")
    if await separated(session, follower, target):
        raise Forbidden()


async def do_follow(session: AsyncSession, follower: Actor, target: Actor, *, uri: str | None = None) -> Follow:
    """Follow `target`, or ask to when they approve followers; an existing follow or request is kept.

    A remote `target` gets our Follow and the follow stays a request until their Accept. A remote
    `follower` (an inbound Follow, `uri` its id) is accepted at once unless `target` approves
    followers; the caller answers it (`federate_follows.send_accept`).
    """
    await check_follow(session, follower, target)
    existing = await _follow_row(session, follower.id, target.id)
    if existing is not None:
        if uri is not None and existing.uri != uri:
            existing.uri = uri  # the peer followed again: its Undo will name this id
            await session.flush()
        return existing
    accepted = target.is_local and not target.manually_approves_followers
    follow = Follow(id=new_id(), follower_id=follower.id, followee_id=target.id, accepted=accepted, uri=uri)
    session.add(follow)
    if follower.is_local and not target.is_local:
        await federate_follows.send_follow(session, follow, follower, target)
    await session.flush()
    kind = NotificationType.FOLLOW if accepted else NotificationType.FOLLOW_REQUEST
    await notify(session, recipient=target, sender_id=follower.id, kind=kind.value)
    if accepted:
        await _now_following(session, follower, target.id)
    return follow


async def do_unfollow(session: AsyncSession, follower: Actor, target: Actor) -> None:
    """Stop following `target`, or withdraw the request; nothing happens if there was neither."""
    row = await _follow_row(session, follower.id, target.id)
    if row is None:
        return
    if follower.is_local and not target.is_local:
        await federate_follows.send_undo_follow(session, row, follower, target)
    await end_follow(session, follower, target.id)


async def do_remove_follower(session: AsyncSession, owner: Actor, follower: Actor) -> None:
    """`owner` stops `follower` from following them (a request is left for `do_reject`)."""
    row = await _follow_row(session, follower.id, owner.id)
    if row is not None and row.accepted:
        if owner.is_local and not follower.is_local:
            await federate_follows.send_reject(session, row, follower, owner)
        await end_follow(session, follower, owner.id)


async def do_authorize(session: AsyncSession, owner: Actor, requester: Actor) -> bool:
    """Accept `requester`'s pending request to follow `owner`; False when there is none."""
    row = await _follow_row(session, requester.id, owner.id)
    if row is None or row.accepted:
        return False
    await _authorize(session, row, owner, requester)
    return True


async def do_reject(session: AsyncSession, owner: Actor, requester: Actor) -> bool:
    """Refuse `requester`'s pending request to follow `owner`; False when there is none."""
    row = await _follow_row(session, requester.id, owner.id)
    if row is None or row.accepted:
        return False
    if owner.is_local and not requester.is_local:
        await federate_follows.send_reject(session, row, requester, owner)
    await end_follow(session, requester, owner.id)
    return True


async def do_authorize_all(session: AsyncSession, owner: Actor) -> None:
    """Accept every pending request (an account that stops approving followers, as Mastodon does)."""
    pending = select(Follow, Actor).join(Actor, Actor.id == Follow.follower_id)
    pending = pending.where(Follow.followee_id == owner.id, Follow.accepted.is_(False))
    for row, requester in (await session.execute(pending)).all():
        await _authorize(session, row, owner, requester)


async def follow_accepted(session: AsyncSession, row: Follow, follower: Actor) -> None:
    """The followee accepted: the follow is on (an Accept from a remote followee)."""
    await _accept(session, row, follower)


async def backfill(session: AsyncSession, follower: Actor, followee_id: int) -> None:
    """Copy the followee's latest posts that the follower may now read into the follower's home feed."""
    if not follower.is_local:
        return
    recent = (
        select(Status.id)
        .where(Status.actor_id == followee_id, visible_to(follower.id))
        .order_by(Status.id.desc())
        .limit(BACKFILL)
        .subquery()
    )
    present = exists().where(HomeFeedEntry.owner_id == follower.id, HomeFeedEntry.status_id == recent.c.id)
    rows = select(literal(follower.id, BigInteger), recent.c.id).where(~present)
    await session.execute(insert(HomeFeedEntry).from_select(["owner_id", "status_id"], rows))


async def unmerge(session: AsyncSession, owner_id: int, author_id: int) -> None:
    """Take the author's posts out of the owner's home feed, except those that mention the owner."""
    mentions_owner = exists().where(Mention.status_id == Status.id, Mention.actor_id == owner_id)
    theirs = select(Status.id).where(Status.actor_id == author_id, ~mentions_owner)
    await session.execute(
        delete(HomeFeedEntry).where(HomeFeedEntry.owner_id == owner_id, HomeFeedEntry.status_id.in_(theirs))
    )


async def _follow_row(session: AsyncSession, follower_id: int, followee_id: int) -> Follow | None:
    return await session.scalar(
        select(Follow).where(Follow.follower_id == follower_id, Follow.followee_id == followee_id)
    )


async def _authorize(session: AsyncSession, row: Follow, owner: Actor, requester: Actor) -> None:
    if owner.is_local and not requester.is_local:
        await federate_follows.send_accept(session, row, requester, owner)
    await _accept(session, row, requester)


async def _accept(session: AsyncSession, row: Follow, requester: Actor) -> None:
    row.accepted = True
    await _forget_notices(session, requester.id, row.followee_id)
    await session.flush()
    await _now_following(session, requester, row.followee_id)


async def _now_following(session: AsyncSession, follower: Actor, followee_id: int) -> None:
    """A follow is on: the followee's posts into the follower's home feed, their notifications let through."""
    await backfill(session, follower, followee_id)
    if follower.is_local:
        await accept_from(session, follower.id, followee_id)


async def end_follow(session: AsyncSession, follower: Actor, followee_id: int) -> None:
    """The follow or request is over, whoever ended it: row, notifications and home-feed entries go."""
    await session.execute(delete(Follow).where(Follow.follower_id == follower.id, Follow.followee_id == followee_id))
    await _forget_notices(session, follower.id, followee_id)
    await unmerge(session, follower.id, followee_id)


async def _forget_notices(session: AsyncSession, follower_id: int, followee_id: int) -> None:
    """The follow and follow-request notifications about this pair (a request is answered, or gone)."""
    await session.execute(
        delete(Notification).where(
            and_(
                Notification.from_actor_id == follower_id,
                Notification.recipient_id == followee_id,
                Notification.type.in_(FOLLOW_NOTICES),
            )
        )
    )
