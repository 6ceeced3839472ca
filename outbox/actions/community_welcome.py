"""A community's welcome message: sent once per membership, as a direct post from the Group to the new member.

Admitting someone (`communities._admit`) enqueues a `community.welcome` job in the same transaction as the
membership. `send_welcomes` claims due jobs and, in one transaction, posts each welcome and completes its job:
a crash before the commit leaves the job for the next sweep, and after it nothing is left to send twice.
The job names the membership row, so someone who left before it ran is not welcomed, and someone who comes
back (a new row) is welcomed again; a message emptied meanwhile sends nothing. A local member gets a mention
notification; a remote one a direct `Create{Note}` addressed to them alone (`federate_create` of a direct post).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.jobs import claim, complete, enqueue
from essaim.actors.models import Actor, Community, CommunityMember, Job, MemberState, Status, Visibility
from essaim.ids import new_id
from essaim.outbox.actions import LocalNode
from essaim.outbox.actions.statuses import publish_post, set_mentions
from essaim.outbox.compose import compose

WELCOME = "community.welcome"  # the job kind; its payload is {"membership_id": …}
WELCOME_LEASE = 60.0


async def queue_welcome(session: AsyncSession, community: Community, row: CommunityMember) -> None:
    """A welcome for a new membership, when the community has a message."""
    if community.welcome_message.strip():
        await enqueue(session, WELCOME, {"membership_id": row.id})


async def welcomes_due(session: AsyncSession, now: datetime) -> bool:
    """Whether any welcome waits (a read, so the frequent sweep takes no write lock for nothing)."""
    due = select(Job.id).where(Job.kind == WELCOME, Job.run_at <= now).limit(1)
    return await session.scalar(due) is not None


async def send_welcomes(session: AsyncSession, node: LocalNode, now: datetime, limit: int = 50) -> int:
    """Post the due welcomes and complete their jobs (in the caller's transaction); how many were posted."""
    sent = 0
    for job in await claim(session, [WELCOME], "welcomes", limit, WELCOME_LEASE, now=now):
        row = await session.get(CommunityMember, job.payload["membership_id"])
        community = await session.get(Community, row.community_id) if row is not None else None
        still_wanted = community is not None and community.welcome_message.strip()  # emptied since: nothing to say
        if row is not None and row.state == MemberState.MEMBER.value and still_wanted:
            await _welcome(session, row, node, now)
            sent += 1
        await complete(session, job.id)
    return sent


async def _welcome(session: AsyncSession, row: CommunityMember, node: LocalNode, now: datetime) -> Status:
    community = await session.get(Community, row.community_id)
    group, member = await session.get(Actor, row.community_id), await session.get(Actor, row.actor_id)
    assert community is not None and group is not None and member is not None, "foreign keys"
    handle = member.username if member.domain is None else f"{member.username}@{member.domain}"
    text = f"@{handle} {community.welcome_message.strip()}"
    body = await compose(session, text, uris=node.uris, local_domains=node.local_domains)
    status_id = new_id()
    status = Status(
        id=status_id,
        published=now,
        actor_id=group.id,
        uri=node.uris.status(group.id, status_id),
        url=node.uris.status_page(group.username, status_id),
        visibility=Visibility.DIRECT.value,
        content=body.html,
        source_text=text,
        spoiler_text="",
        sensitive=False,
        language=None,
    )
    session.add(status)
    await session.flush()
    await set_mentions(session, status, [member])  # the member alone, whatever else the message names
    await publish_post(session, status, [member], node)
    return status
