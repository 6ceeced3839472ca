"""Inbound Add and Remove to a person's featured collection: a peer's person pinned or unpinned a post.

Only the collection's owner changes it: the `target` must be the featured collection the sender's own
actor document names, and the post must be on the sender's server. A post we have stored is pinned or
unpinned at once; one we have not is fetched by a peer job (essaim.inbox.featured), never in the inbox.
Add and Remove of anything else (Mastodon's featured tags, other collections) are left to others.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors import jobs
from essaim.actors.models import Job, StatusPin
from essaim.actors.models.base import utcnow
from essaim.federation.vocab import id_of
from essaim.ids import new_id
from essaim.inbox.dispatch import InboxContext, handles
from essaim.inbox.handlers.posts import from_sender, refuse
from essaim.inbox.remote_posts import status_by_uri
from essaim.outbox.actions import insert_ignoring_duplicates

PIN_NOTE = "featured.pin"  # the peer job fetching a post an Add names; payload {"actor_id", "note"}


async def pin(session: AsyncSession, actor_id: int, status_id: int) -> None:
    """Record the pin (a repeat is harmless)."""
    await insert_ignoring_duplicates(
        session, StatusPin, id=new_id(), actor_id=actor_id, status_id=status_id, created_at=utcnow()
    )


@handles("Add", "Remove")
async def featured_change(ctx: InboxContext) -> bool:
    target = id_of(ctx.activity.get("target"))
    if target is None or ctx.sender.featured_uri is None or target != ctx.sender.featured_uri:
        return False
    note = id_of(ctx.activity.get("object"))
    if note is None or not from_sender(ctx, note):
        return refuse(ctx, f"{note} is not a post on the sender's server")
    session = ctx.session
    status = await status_by_uri(session, note)
    if status is not None and (status.actor_id != ctx.sender.id or status.reblog_of_id is not None):
        return refuse(ctx, f"{note} is not the sender's own post")
    if ctx.activity.get("type") == "Remove":
        if status is not None:
            await session.execute(
                delete(StatusPin).where(StatusPin.actor_id == ctx.sender.id, StatusPin.status_id == status.id)
            )
        await _forget_pending_pin(ctx, note)
        return True
    if status is not None:
        await pin(session, ctx.sender.id, status.id)
    else:
        payload = {"actor_id": ctx.sender.id, "note": note}
        await jobs.enqueue(session, PIN_NOTE, payload, group_key=ctx.sender.domain, now=ctx.now)
    return True


async def _forget_pending_pin(ctx: InboxContext, note: str) -> None:
    """A Remove that overtook the fetch its Add queued: that job must not pin the post afterwards."""
    pending = select(Job).where(Job.kind == PIN_NOTE, Job.group_key == ctx.sender.domain, Job.locked_by.is_(None))
    for job in await ctx.session.scalars(pending):
        if job.payload == {"actor_id": ctx.sender.id, "note": note}:
            await jobs.complete(ctx.session, job.id)
