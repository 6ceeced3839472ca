"""Tell a remote server about moderation: a local person's Block and its Undo, a forwarded report's Flag.

As in outbox/federate_follows.py (whose `send_to_actor` they share), each function renders the
activity and plans its delivery in the caller's transaction. A Block goes to the blocked actor's
own inbox, signed by the blocker; a Flag to the reported actor's inbox, signed by the node's
Application actor.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors import node
from essaim.actors.models import Actor, Block, Report
from essaim.federation.render.activity import answer_id, render_undo
from essaim.federation.render.moderation import (
    block_activity_id,
    block_object,
    flag_activity_id,
    render_block,
    render_flag,
)
from essaim.ids import new_id
from essaim.outbox.federate_follows import send_to_actor


async def send_block(session: AsyncSession, block: Block, blocker: Actor, target: Actor) -> None:
    """Local `blocker` tells remote `target`; the row keeps the Block's id for the Undo to embed."""
    block.uri = block.uri or block_activity_id(blocker.uri, block.id)
    await send_to_actor(session, render_block(block.uri, blocker.uri, target.uri), blocker, target)


async def send_undo_block(session: AsyncSession, block: Block, blocker: Actor, target: Actor) -> None:
    undone = block_object(block.uri or block_activity_id(blocker.uri, block.id), blocker.uri, target.uri)
    activity = render_undo(answer_id(blocker.uri, "Undo", new_id()), blocker.uri, undone)
    await send_to_actor(session, activity, blocker, target)


async def send_flag(session: AsyncSession, report: Report, target: Actor, status_uris: Sequence[str]) -> None:
    """The report, without its reporter, to the reported actor's server; `report.uri` keeps the Flag's id."""
    reporter = await node.instance_actor(session)
    report.uri = flag_activity_id(reporter.uri, report.id)
    activity = render_flag(report.uri, reporter.uri, [target.uri, *status_uris], report.comment)
    await send_to_actor(session, activity, reporter, target)
