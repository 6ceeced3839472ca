"""Inbound Follow, Accept, Reject and Undo{Follow}: relationships with remote actors.

- `Follow{object: a local person}`: a request when they approve followers (a `follow_request`
  notification, answered later through the client API), else a follow at once (a `follow`
  notification) and an `Accept` sent back, signed by the followee. A Follow across a block
  (either way), or of a person who moved away, is answered with a `Reject` and stores nothing.
- `Accept{Follow}` / `Reject{Follow}` from the followee: our follow becomes accepted, or goes
  (a Reject of an accepted follow is the followee removing us from their followers).
- `Undo{Follow}` from the follower: the follow or request and its notification go.

The Follow an answer names is found by its id (`follows.uri`), else — for peers that do not
keep our id — by the pair of actors of an embedded Follow. Only ids are read from an embedded
Follow of ours: its content is the peer's word, never trusted.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute

from essaim.actors.models import Actor, Block, Follow
from essaim.actors.queries import with_profile
from essaim.actors.relationships import separated, shown
from essaim.federation.vocab import first, id_of
from essaim.inbox.dispatch import InboxContext, handles
from essaim.outbox.actions.follows import do_follow, end_follow, follow_accepted
from essaim.outbox.federate_follows import send_accept, send_reject

log = logging.getLogger(__name__)


@handles("Follow")
async def follow(ctx: InboxContext) -> bool:
    target_uri = id_of(ctx.activity.get("object"))
    target = await local_person(ctx, target_uri)
    if target is None:
        log.info("ignored Follow %s of %s: not a person of this node", ctx.activity.get("id"), target_uri)
        return False
    moved = target.moved_to_uri is not None
    if moved or await separated(ctx.session, ctx.sender, target):
        refused = Follow(follower_id=ctx.sender.id, followee_id=target.id, uri=str(ctx.activity["id"]))  # not stored
        await send_reject(ctx.session, refused, ctx.sender, target)
        why = "the account moved" if moved else "a block stands between them"
        log.info("rejected Follow %s of %s: %s", ctx.activity.get("id"), target.uri, why)
        return True
    row = await do_follow(ctx.session, ctx.sender, target, uri=str(ctx.activity["id"]))
    if row.accepted:
        await send_accept(ctx.session, row, ctx.sender, target)
    return True


@handles("Accept")
async def accept(ctx: InboxContext) -> bool:
    found = await _answered_follow(ctx)
    if found is None:
        return False
    row, follower = found
    if not row.accepted:
        await follow_accepted(ctx.session, row, follower)
    return True


@handles("Reject")
async def reject(ctx: InboxContext) -> bool:
    found = await _answered_follow(ctx)
    if found is None:
        return False
    row, follower = found
    await end_follow(ctx.session, follower, row.followee_id)
    return True


@handles("Undo")
async def undo(ctx: InboxContext) -> bool:
    """An Undo whose object is not a Follow is left to the other Undo handlers (likes, boosts, blocks)."""
    found = await find_undone(ctx, Follow, "Follow", Follow.follower_id, Follow.followee_id)
    if found is None:
        return False
    if found.row is None:
        return found.embedded  # an Undo of a Follow we never had (or already undone): nothing to do
    await end_follow(ctx.session, ctx.sender, found.row.followee_id)
    return True


Undoable = TypeVar("Undoable", Follow, Block)


@dataclass(frozen=True)
class Undone(Generic[Undoable]):
    row: Undoable | None  # None: we have no such row (never had it, or undone already)
    embedded: bool  # the Undo embedded the undone activity (not just its id)


async def find_undone(
    ctx: InboxContext,
    model: type[Undoable],
    kind: str,
    by: InstrumentedAttribute[int],
    of: InstrumentedAttribute[int],
) -> Undone[Undoable] | None:
    """The sender's row (`by` the sender, `of` a local actor) that an Undo of a `kind` names: by the activity's
    id, else by the embedded activity's pair of actors. None when the Undo embeds another kind of activity."""
    undone = first(ctx.activity.get("object"))
    embedded = isinstance(undone, Mapping)
    if embedded and first(undone.get("type")) != kind:
        return None
    row = None
    if (undone_id := id_of(undone)) is not None:
        row = await ctx.session.scalar(select(model).where(model.uri == undone_id, by == ctx.sender.id))
    if row is None and embedded:
        target = await _local_actor(ctx, id_of(undone.get("object")))
        if target is not None:
            row = await ctx.session.scalar(select(model).where(by == ctx.sender.id, of == target.id))
    return Undone(row, embedded)


async def _answered_follow(ctx: InboxContext) -> tuple[Follow, Actor] | None:
    """Our follow of the sender that an Accept or Reject answers, and its local follower."""
    answered = first(ctx.activity.get("object"))
    if isinstance(answered, Mapping) and first(answered.get("type")) != "Follow":
        return None
    answered_id = id_of(answered)
    row = None
    if answered_id is not None:
        row = await ctx.session.scalar(
            select(Follow).where(Follow.uri == answered_id, Follow.followee_id == ctx.sender.id)
        )
    if row is None and isinstance(answered, Mapping):
        follower = await _local_actor(ctx, id_of(answered.get("actor")))
        if follower is not None and id_of(answered.get("object")) in (None, ctx.sender.uri):
            row = await _row(ctx, follower.id, ctx.sender.id)
    if row is None:
        log.info("ignored %s %s: no follow of ours matches it", ctx.activity.get("type"), ctx.activity.get("id"))
        return None
    follower = await ctx.session.get(Actor, row.follower_id)
    if follower is None or not follower.is_local:
        return None
    return row, follower


async def _row(ctx: InboxContext, follower_id: int, followee_id: int) -> Follow | None:
    return await ctx.session.scalar(
        select(Follow).where(Follow.follower_id == follower_id, Follow.followee_id == followee_id)
    )


async def _local_actor(ctx: InboxContext, uri: Any) -> Actor | None:
    if not isinstance(uri, str):
        return None
    return await ctx.session.scalar(with_profile(select(Actor).where(Actor.uri == uri, Actor.domain.is_(None))))


async def local_person(ctx: InboxContext, uri: Any) -> Actor | None:
    """A local actor people can follow: an enabled account's actor (not the node's Application actor)."""
    if not isinstance(uri, str):
        return None
    query = select(Actor).where(Actor.uri == uri, Actor.domain.is_(None), shown())
    return await ctx.session.scalar(with_profile(query))
