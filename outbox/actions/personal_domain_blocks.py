"""Personal domain blocks and conversation mutes: one person stops hearing from a server, or about a thread.

Both are private and never federated as such. Blocking a server also ends its accounts' follows
of the blocker (accepted ones and requests, each refused with a Reject as `do_remove_follower`
and `do_reject` send), as Mastodon does, so the blocker's followers-only posts stop going there.
What either hides is actors/mutes.py, applied on read: lifting one brings everything back.
"""

from __future__ import annotations

from sqlalchemy import delete, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.conversations import thread_root
from essaim.actors.domain_blocks import covered_by, normalise_domain
from essaim.actors.models import AccountDomainBlock, Actor, ConversationMute, Follow, Status
from essaim.ids import new_id
from essaim.outbox.actions import ActionError, insert_ignoring_duplicates
from essaim.outbox.actions.follows import do_reject, do_remove_follower


def _domain(text: str) -> str:
    try:
        return normalise_domain(text)
    except ValueError as error:
        raise ActionError(str(error)) from None


async def do_block_own_domain(session: AsyncSession, owner: Actor, text: str) -> None:
    """`owner` blocks the server `text` (host or host:port) and loses the followers they had there."""
    domain = _domain(text)
    await insert_ignoring_duplicates(session, AccountDomainBlock, id=new_id(), actor_id=owner.id, domain=domain)
    followers = select(Actor, Follow.accepted).join(Follow, Follow.follower_id == Actor.id)
    there = followers.where(Follow.followee_id == owner.id, covered_by(Actor.domain, literal(domain)))
    for follower, accepted in (await session.execute(there)).all():
        if accepted:
            await do_remove_follower(session, owner, follower)
        else:
            await do_reject(session, owner, follower)


async def do_unblock_own_domain(session: AsyncSession, owner: Actor, text: str) -> None:
    """Lift `owner`'s block of the server `text`, if any (former followers stay gone, as on Mastodon)."""
    domain = _domain(text)
    await session.execute(
        delete(AccountDomainBlock).where(AccountDomainBlock.actor_id == owner.id, AccountDomainBlock.domain == domain)
    )


async def do_mute_thread(session: AsyncSession, muter: Actor, status: Status) -> None:
    """`muter` stops being notified about the thread `status` belongs to (muting twice is harmless)."""
    root = await thread_root(session, status)
    await insert_ignoring_duplicates(session, ConversationMute, id=new_id(), actor_id=muter.id, root_id=root)


async def do_unmute_thread(session: AsyncSession, muter: Actor, status: Status) -> None:
    root = await thread_root(session, status)
    await session.execute(
        delete(ConversationMute).where(ConversationMute.actor_id == muter.id, ConversationMute.root_id == root)
    )
