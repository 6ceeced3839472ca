"""A person's marks on other accounts: endorsements (featured on their profile) and private notes.

Only a followed account may be endorsed (as on Mastodon); the endorsement names the follow, so it
ends with it however the follow ends. A note is seen by its writer only; an empty one is removed.
Neither is federated.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import AccountNote, Actor, Endorsement, Follow
from essaim.ids import new_id
from essaim.outbox.actions import ActionError, insert_ignoring_duplicates

MAX_NOTE_CHARS = 2000  # Mastodon's limit on a personal note


async def do_endorse(session: AsyncSession, owner: Actor, target: Actor) -> None:
    """Feature `target` on `owner`'s profile; refused unless `owner` follows `target`."""
    follow_id = await session.scalar(
        select(Follow.id).where(
            Follow.follower_id == owner.id, Follow.followee_id == target.id, Follow.accepted.is_(True)
        )
    )
    if follow_id is None:
        raise ActionError("You can only endorse accounts you follow")
    await insert_ignoring_duplicates(
        session, Endorsement, id=new_id(), actor_id=owner.id, target_id=target.id, follow_id=follow_id
    )


async def do_unendorse(session: AsyncSession, owner: Actor, target: Actor) -> None:
    await session.execute(
        delete(Endorsement).where(Endorsement.actor_id == owner.id, Endorsement.target_id == target.id)
    )


def check_note(comment: str) -> str:
    if len(comment) > MAX_NOTE_CHARS:
        raise ActionError(f"comment must be at most {MAX_NOTE_CHARS} characters")
    return comment


async def do_set_note(session: AsyncSession, writer: Actor, target: Actor, comment: str) -> None:
    """Write (or, when empty, remove) `writer`'s note about `target`."""
    mine = (AccountNote.actor_id == writer.id, AccountNote.target_id == target.id)
    if not check_note(comment).strip():
        await session.execute(delete(AccountNote).where(*mine))
        return
    await insert_ignoring_duplicates(
        session, AccountNote, id=new_id(), actor_id=writer.id, target_id=target.id, comment=comment
    )
    await session.execute(update(AccountNote).where(*mine).values(comment=comment))
