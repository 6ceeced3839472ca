"""A project community's end: its owners reminded, the community archived on its end date, renewed by an owner.

The sweeps read and write only the database, so a node that was down catches up on start, and
each is safe when several processes run it at once: the reminder is claimed by a conditional
`UPDATE` (one process wins per end date), and archiving is a single conditional `UPDATE`.
Owners are told with an `essaim.community_ending` notification from the community and, when the
node sends mail (`mail.smtp_url`), by e-mail (essaim.outbox.mail_templates).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.community_lifecycle import ended, owners, reminder_due, today
from essaim.actors.feeds import record_notification
from essaim.actors.models import Actor, Community, CommunityKind, NotificationType
from essaim.outbox.actions import Invalid
from essaim.outbox.actions.communities import check_owner
from essaim.outbox.mail import queue_mail
from essaim.outbox.mail_templates import COMMUNITY_ENDING


async def remind_ending(session: AsyncSession, now: datetime, reminder_days: int, *, email: bool = False) -> int:
    """Tell the owners of every project ending within `reminder_days` (once per end date), by e-mail too when
    `email`; how many communities."""
    day = today(now)
    due = (await session.scalars(select(Community.actor_id).where(reminder_due(day, reminder_days)))).all()
    reminded = 0
    for community_id in due:
        claim = (
            update(Community)
            .where(Community.actor_id == community_id, reminder_due(day, reminder_days))
            .values(reminded_for=Community.ends_on)
            .execution_options(synchronize_session=False)
        )
        if (await session.execute(claim)).rowcount != 1:  # type: ignore[attr-defined]  # another process did it
            continue
        for owner in await owners(session, community_id):
            await record_notification(
                session, recipient_id=owner.id, sender_id=community_id, kind=NotificationType.COMMUNITY_ENDING.value
            )
            if email:
                await queue_mail(session, COMMUNITY_ENDING, community_id=community_id, owner_id=owner.id)
        reminded += 1
    return reminded


async def archive_ended(session: AsyncSession, now: datetime) -> int:
    """Archive every live project whose end date has come (read-only from then on); how many."""
    archive = (
        update(Community).where(ended(today(now))).values(archived_at=now).execution_options(synchronize_session=False)
    )
    return int((await session.execute(archive)).rowcount)  # type: ignore[attr-defined]


async def do_renew(
    session: AsyncSession, community: Community, until: date, now: datetime, *, by: Actor | None = None
) -> None:
    """Move a project's end date to `until` (after today), reopening it if archived; `by`, when given, must own it.

    The reminder is due again for the new date.
    """
    if by is not None:
        await check_owner(session, community, by)
    if community.kind != CommunityKind.PROJECT.value:
        raise Invalid("Only a project community has an end date")
    if until <= today(now):
        raise Invalid("The new end date must be after today")
    community.ends_on, community.archived_at, community.reminded_for = until, None, None
    await session.flush()


async def do_archive(session: AsyncSession, community: Community, now: datetime, *, by: Actor) -> None:
    """An owner archives a project before its end date (read-only from now; renewing reopens it)."""
    await check_owner(session, community, by)
    if community.kind != CommunityKind.PROJECT.value:
        raise Invalid("Only a project community is archived")
    if community.archived_at is not None:
        raise Invalid("This community is archived already")
    community.archived_at = now
    await session.flush()
