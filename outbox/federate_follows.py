"""Tell a remote actor about a follow: our Follow and its Undo, our Accept or Reject of theirs.

Each function renders the activity and plans its delivery (`outbox.delivery.plan_deliveries`)
in the caller's transaction, so the change and the message to the peer commit together. Follow
activities go to the remote actor's own inbox (not the shared one): they concern that actor.
The local side signs: the follower for Follow and Undo, the followee for Accept and Reject.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Actor, Follow
from essaim.federation.render.activity import (
    answer_id,
    follow_activity_id,
    follow_object,
    render_answer,
    render_follow,
    render_undo,
)
from essaim.ids import new_id
from essaim.outbox.delivery import plan_deliveries

log = logging.getLogger(__name__)


def follow_uri(follow: Follow, follower: Actor) -> str:
    """The Follow activity's id: the one stored (ours or the peer's), else ours derived from the row."""
    return follow.uri or follow_activity_id(follower.uri, follow.id)


async def send_follow(session: AsyncSession, follow: Follow, follower: Actor, followee: Actor) -> None:
    """Local `follower` asks remote `followee`; the row keeps the Follow's id for the Accept to name."""
    follow.uri = follow_uri(follow, follower)
    await send_to_actor(session, render_follow(follow.uri, follower.uri, followee.uri), follower, followee)


async def send_undo_follow(session: AsyncSession, follow: Follow, follower: Actor, followee: Actor) -> None:
    """Local `follower` stops following (or withdraws the request to) remote `followee`."""
    undone = follow_object(follow_uri(follow, follower), follower.uri, followee.uri)
    activity = render_undo(answer_id(follower.uri, "Undo", new_id()), follower.uri, undone)
    await send_to_actor(session, activity, follower, followee)


async def send_accept(session: AsyncSession, follow: Follow, follower: Actor, followee: Actor) -> None:
    """Local `followee` accepts remote `follower`'s Follow."""
    await _answer(session, "Accept", follow, follower, followee)


async def send_reject(session: AsyncSession, follow: Follow, follower: Actor, followee: Actor) -> None:
    """Local `followee` refuses remote `follower`'s Follow, or removes them from its followers."""
    await _answer(session, "Reject", follow, follower, followee)


async def _answer(session: AsyncSession, kind: str, follow: Follow, follower: Actor, followee: Actor) -> None:
    embedded = follow_object(follow_uri(follow, follower), follower.uri, followee.uri)
    activity = render_answer(kind, answer_id(followee.uri, kind, new_id()), followee.uri, embedded)
    await send_to_actor(session, activity, followee, follower)


async def send_to_actor(session: AsyncSession, activity: dict[str, object], signer: Actor, recipient: Actor) -> None:
    """Plan the delivery of an activity about one remote actor to that actor's own inbox, signed by `signer`."""
    if signer.domain is not None or recipient.domain is None:
        raise ValueError("these activities go from a local actor to a remote one")
    inbox = recipient.inbox_uri or recipient.shared_inbox_uri
    if inbox is None:
        log.warning("not sending %s to %s: it has no inbox", activity["type"], recipient.uri)
        return
    await plan_deliveries(session, str(activity["id"]), activity, signer.id, [inbox])
