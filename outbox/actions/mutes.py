"""Mutes: a person stops seeing someone's posts (and, by choice, notifications), for a while or until lifted.

A mute is private to the muter: nothing is federated and the muted account is not told. It takes
effect on read (actors/mutes.py), so nothing is deleted and unmuting brings everything back;
muting again replaces the options and the duration. Expired rows are swept by the scheduler.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Actor, Mute
from essaim.actors.models.base import utcnow
from essaim.actors.mutes import expired
from essaim.ids import new_id
from essaim.outbox.actions import ActionError, insert_ignoring_duplicates

MAX_MUTE_SECONDS = 10 * 365 * 24 * 3600  # past this a duration is surely a mistake; 0 means forever


def mute_expiry(duration: int | None) -> datetime | None:
    """When a mute of `duration` seconds ends (None or 0: never)."""
    if duration is None or duration == 0:
        return None
    if duration < 0 or duration > MAX_MUTE_SECONDS:
        raise ActionError(f"duration must be between 0 and {MAX_MUTE_SECONDS} seconds")
    return utcnow() + timedelta(seconds=duration)


async def do_mute(
    session: AsyncSession, muter: Actor, target: Actor, *, notifications: bool = True, expires_at: datetime | None
) -> None:
    """`muter` mutes `target` with these options (a standing mute takes them)."""
    if muter.id == target.id:
        raise ActionError("You cannot mute yourself")
    options = {"notifications": notifications, "expires_at": expires_at}
    await insert_ignoring_duplicates(session, Mute, id=new_id(), actor_id=muter.id, target_id=target.id, **options)
    await session.execute(update(Mute).where(Mute.actor_id == muter.id, Mute.target_id == target.id).values(options))


async def do_unmute(session: AsyncSession, muter: Actor, target: Actor) -> None:
    """Lift the mute, if any."""
    await session.execute(delete(Mute).where(Mute.actor_id == muter.id, Mute.target_id == target.id))


async def forget_expired_mutes(session: AsyncSession, now: datetime) -> int:
    """Delete mutes whose time is up (they are already ignored on read); how many went."""
    result = await session.execute(delete(Mute).where(expired(now)))
    return int(getattr(result, "rowcount", 0) or 0)
