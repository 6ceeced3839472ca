"""Threads with missing links: the persistent plan to fetch a remote reply's unknown parent (or a remote
post's replies), and the link made once the parent is stored.

A reply can reach this node before the post it answers (nobody here follows the parent's author).
It keeps the parent's id (`in_reply_to_uri`), and storing it plans a `thread.parent` job in the same
transaction, so a crash loses nothing; `inbox/backfill.py` runs the jobs. Whichever way the parent
arrives later (its own Create, a fetch, the job), storing it links the replies waiting for it
(`adopt_replies`), and their conversations join the parent's thread.

Each job carries the reply's id, the parent's id and the depth of the chain fetched so far: a parent
stored by a job that itself answers an unknown post plans the next job one level higher, up to
`MAX_DEPTH`, so a long or looping chain stops. A `thread.replies` job (planned when someone reads a
remote post's context) reads the post's `replies` collection once.
"""

from __future__ import annotations

import logging

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors import jobs
from essaim.actors.conversations import rejoin_thread, thread_root
from essaim.actors.models import Status

PARENT_FETCH = "thread.parent"
REPLIES_FETCH = "thread.replies"
MAX_DEPTH = 10  # ancestors fetched above a reply that arrived; Mastodon's context shows at most 40
MAX_CHAIN = 64  # steps followed up a stored chain when checking for a loop

log = logging.getLogger(__name__)


async def plan_parent_fetch(session: AsyncSession, reply: Status, parent_uri: str, depth: int) -> bool:
    """Queue the fetch of `reply`'s unknown parent unless the chain is `MAX_DEPTH` long already; whether queued."""
    if depth >= MAX_DEPTH or parent_uri == reply.uri:
        return False
    await jobs.enqueue(session, PARENT_FETCH, {"reply_id": reply.id, "parent_uri": parent_uri, "depth": depth})
    return True


async def plan_replies_fetch(session: AsyncSession, status: Status) -> None:
    """Queue the reading of a remote post's `replies` collection: its replies this node lacks get fetched."""
    await jobs.enqueue(session, REPLIES_FETCH, {"status_id": status.id})


async def _answers(session: AsyncSession, status_id: int | None, ancestor_id: int) -> bool:
    """Whether `ancestor_id` is `status_id` or above it in its stored chain (followed at most `MAX_CHAIN` steps)."""
    for _ in range(MAX_CHAIN):
        if status_id is None:
            return False
        if status_id == ancestor_id:
            return True
        status_id = await session.scalar(select(Status.in_reply_to_id).where(Status.id == status_id))
    return True  # longer than any chain we build: treat it as a loop


async def link_reply(session: AsyncSession, reply_id: int, parent: Status) -> bool:
    """Hang the reply under its now stored parent (once: a reply already linked keeps its parent), unless the
    parent answers the reply itself: remote posts naming each other as parents must not make a loop. The
    reply's thread (it was its first post) joins the parent's: conversations and their mutes. Whether linked."""
    if await _answers(session, parent.id, reply_id):
        log.info("not linking status %d under %s: the thread would loop", reply_id, parent.uri)
        return False
    linked = await session.execute(
        update(Status)
        .where(Status.id == reply_id, Status.in_reply_to_id.is_(None))
        .values(in_reply_to_id=parent.id, in_reply_to_account_id=parent.actor_id, in_reply_to_uri=parent.uri)
    )
    if not getattr(linked, "rowcount", 0):
        return False
    await rejoin_thread(session, reply_id, await thread_root(session, parent))
    return True


async def adopt_replies(session: AsyncSession, parent: Status) -> None:
    """A post just stored: link the replies that arrived before it (they kept its id)."""
    waiting = select(Status.id).where(Status.in_reply_to_uri == parent.uri, Status.in_reply_to_id.is_(None))
    for reply_id in (await session.scalars(waiting)).all():
        await link_reply(session, reply_id, parent)
