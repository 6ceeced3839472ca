"""Threads with missing links: the persistent plan to fetch a remote reply's unknown parent, and the link
made once the parent is stored.

A reply can reach this node before the post it answers (nobody here follows the parent's author).
Storing it then plans a `thread.parent` job in the same transaction, so a crash loses nothing;
`inbox/backfill.py` runs the jobs. Each job carries the reply's id, the parent's id and the depth of
the chain fetched so far: a parent stored by a job that itself answers an unknown post plans the
next job one level higher, up to `MAX_DEPTH`, so a long or looping chain stops.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors import jobs
from essaim.actors.models import Status

PARENT_FETCH = "thread.parent"
MAX_DEPTH = 10  # ancestors fetched above a reply that arrived; Mastodon's context shows at most 40


async def plan_parent_fetch(session: AsyncSession, reply: Status, parent_uri: str, depth: int) -> bool:
    """Queue the fetch of `reply`'s unknown parent unless the chain is `MAX_DEPTH` long already; whether queued."""
    if depth >= MAX_DEPTH or parent_uri == reply.uri:
        return False
    await jobs.enqueue(session, PARENT_FETCH, {"reply_id": reply.id, "parent_uri": parent_uri, "depth": depth})
    return True


async def link_reply(session: AsyncSession, reply_id: int, parent: Status) -> None:
    """Hang the reply under its now stored parent (once: a reply already linked keeps its parent)."""
    if parent.id == reply_id:
        return
    await session.execute(
        update(Status)
        .where(Status.id == reply_id, Status.in_reply_to_id.is_(None))
        .values(in_reply_to_id=parent.id, in_reply_to_account_id=parent.actor_id)
    )
