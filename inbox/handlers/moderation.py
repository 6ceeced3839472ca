"""Inbound Block, Undo{Block} and Flag: a peer's person blocks one of ours; a peer's server reports to us.

- `Block{object: a local person}`: stored as the sender blocking them, which separates the two
  (outbox/actions/blocks.py): follows end both ways (our person's follow is undone with an
  Undo), and from then on the sender's Follow is rejected and its mentions, replies, likes and
  boosts reach nobody it blocked (the shared rules read the `blocks` table).
- `Undo{Block}` (embedded or by id): only the sender's own block is lifted.
- `Flag{object: [ids]}`: a report for this node's moderators, filed in the sender's name (usually
  its server's Application actor), about each local person it names (not the node's own actor)
  — with the named local posts of that person. A Flag naming nothing of ours is refused. The comment is plain text,
  kept to `MAX_COMMENT` characters.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from essaim.actors.models import Actor, Block, ReportCategory, Status
from essaim.actors.relationships import shown
from essaim.federation.vocab import as_list, id_of
from essaim.inbox.dispatch import InboxContext, handles
from essaim.inbox.handlers.follows import find_undone, local_person
from essaim.inbox.handlers.posts import ignore, refuse
from essaim.outbox.actions.blocks import do_block
from essaim.outbox.actions.reports import do_report

MAX_COMMENT = 5000  # characters kept of a peer's comment
MAX_OBJECTS = 100  # ids read from one Flag


@handles("Block")
async def block(ctx: InboxContext) -> bool:
    target = await local_person(ctx, id_of(ctx.activity.get("object")))
    if target is None:
        return ignore(ctx, "a Block of someone who is not a person of this node")
    await do_block(ctx.session, ctx.sender, target, uri=str(ctx.activity["id"]))
    return True


@handles("Undo")
async def undo_block(ctx: InboxContext) -> bool:
    """An Undo the follow and interaction handlers left: a Block's, found by its id or by the embedded pair."""
    found = await find_undone(ctx, Block, "Block", Block.actor_id, Block.target_id)
    if found is None:
        return False
    if found.row is None:
        return ignore(ctx, "an Undo of a Block we do not have") if found.embedded else False
    await ctx.session.delete(found.row)
    return True


@handles("Flag")
async def flag(ctx: InboxContext) -> bool:
    named = [uri for uri in (id_of(item) for item in as_list(ctx.activity.get("object"))[:MAX_OBJECTS]) if uri]
    session = ctx.session
    people = select(Actor).where(Actor.uri.in_(named), Actor.domain.is_(None), shown())
    accounts = list(await session.scalars(people))
    posts = list(
        await session.scalars(
            select(Status)
            .join(Actor, Actor.id == Status.actor_id)
            .where(Status.uri.in_(named), Actor.domain.is_(None), Status.reblog_of_id.is_(None))
            .order_by(Status.id)
        )
    )
    targets = {actor.id: actor for actor in accounts}
    for author in await session.scalars(select(Actor).where(Actor.id.in_({post.actor_id for post in posts}))):
        targets.setdefault(author.id, author)
    if not targets:
        return refuse(ctx, "a Flag naming no account or post of this node")
    comment = _comment(ctx.activity.get("content"))
    for target in targets.values():
        reported = [post for post in posts if post.actor_id == target.id]
        await do_report(
            session, ctx.sender, target, reported, comment, ReportCategory.OTHER.value, uri=str(ctx.activity["id"])
        )
    return True


def _comment(content: Any) -> str:
    return content[:MAX_COMMENT] if isinstance(content, str) else ""
