"""Scheduled posts: keep a checked post for later, move or cancel it, and publish it when it falls due.

Scheduling runs every check a post gets now (so a bad draft is refused at once, not lost later) and
keeps the request (`params`, as Mastodon shows it). Publishing takes the row away and posts the
draft with the same action as an immediate post (`check_create_status`, `do_create_status`): fan-out,
notifications and federation come with it. Times come from the caller (`now`), so tests move the clock.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from essaim.actors.models import Account, MediaAttachment, ScheduledStatus, Status
from essaim.outbox import limits
from essaim.outbox.actions import Invalid, LocalNode, NotFound
from essaim.outbox.actions.statuses import PollDraft, StatusDraft, check_create_status, do_create_status

SWEEP_BATCH = 100
DAY = timedelta(days=1)


def check_scheduled_at(scheduled_at: datetime, now: datetime) -> datetime:
    if scheduled_at < now + timedelta(seconds=limits.SCHEDULED_MIN_DELAY):
        raise Invalid(f"Scheduled at must be at least {limits.SCHEDULED_MIN_DELAY // 60} minutes in the future")
    return scheduled_at


async def _check_room(session: AsyncSession, author: Account, scheduled_at: datetime, moving: int | None) -> None:
    """Mastodon's caps: so many waiting posts in all, and so many on one day."""
    mine = select(func.count()).where(ScheduledStatus.account_id == author.id, ScheduledStatus.id != (moving or 0))
    if moving is None and (await session.scalar(mine) or 0) >= limits.MAX_SCHEDULED:
        raise Invalid(f"You cannot schedule more than {limits.MAX_SCHEDULED} posts")
    start = scheduled_at.replace(hour=0, minute=0, second=0, microsecond=0)
    same_day = mine.where(ScheduledStatus.scheduled_at >= start, ScheduledStatus.scheduled_at < start + DAY)
    if (await session.scalar(same_day) or 0) >= limits.MAX_SCHEDULED_PER_DAY:
        raise Invalid(f"You cannot schedule more than {limits.MAX_SCHEDULED_PER_DAY} posts on the same day")


def _params(draft: StatusDraft, application_id: int | None) -> dict[str, Any]:
    """The request as Mastodon's ScheduledStatus `params` shows it (ids as strings)."""
    poll = None
    if draft.poll is not None:
        poll = asdict(draft.poll) | {"expires_in": str(draft.poll.expires_in)}
    return {
        "text": draft.text or "",
        "spoiler_text": draft.spoiler_text,
        "sensitive": draft.sensitive,
        "visibility": draft.visibility,
        "language": draft.language,
        "in_reply_to_id": str(draft.in_reply_to_id) if draft.in_reply_to_id is not None else None,
        "media_ids": [str(i) for i in draft.media_ids] or None,
        "poll": poll,
        "scheduled_at": None,
        "idempotency": None,
        "application_id": str(application_id) if application_id is not None else None,
        "with_rate_limit": False,
    }


def _draft(params: dict[str, Any]) -> StatusDraft:
    poll = params.get("poll")
    return StatusDraft(
        text=params.get("text"),
        spoiler_text=params.get("spoiler_text"),
        sensitive=params.get("sensitive"),
        visibility=params.get("visibility"),
        language=params.get("language"),
        in_reply_to_id=int(params["in_reply_to_id"]) if params.get("in_reply_to_id") else None,
        media_ids=[int(i) for i in params.get("media_ids") or []],
        poll=PollDraft(**(poll | {"expires_in": int(poll["expires_in"])})) if poll else None,
    )


async def check_schedule_status(
    session: AsyncSession, author: Account, draft: StatusDraft, node: LocalNode, scheduled_at: datetime, now: datetime
) -> None:
    """Everything an immediate post is checked for, plus the time (far enough ahead) and the caps."""
    check_scheduled_at(scheduled_at, now)
    await check_create_status(session, author, draft, node)
    await _check_room(session, author, scheduled_at, None)


async def do_schedule_status(
    session: AsyncSession, author: Account, draft: StatusDraft, scheduled_at: datetime, application_id: int | None
) -> ScheduledStatus:
    scheduled = ScheduledStatus(
        account_id=author.id,
        scheduled_at=scheduled_at,
        params=_params(draft, application_id),
        application_id=application_id,
    )
    session.add(scheduled)
    await session.flush()
    if draft.media_ids:
        await session.execute(
            update(MediaAttachment)
            .where(MediaAttachment.id.in_(draft.media_ids))
            .values(scheduled_status_id=scheduled.id)
        )
    return scheduled


async def own_scheduled(session: AsyncSession, author: Account, scheduled_id: int) -> ScheduledStatus:
    """One of the author's waiting posts; anyone else's is NotFound."""
    found = await session.get(ScheduledStatus, scheduled_id)
    if found is None or found.account_id != author.id:
        raise NotFound()
    return found


async def do_reschedule(
    session: AsyncSession, author: Account, scheduled: ScheduledStatus, scheduled_at: datetime, now: datetime
) -> None:
    check_scheduled_at(scheduled_at, now)
    await _check_room(session, author, scheduled_at, scheduled.id)
    scheduled.scheduled_at = scheduled_at
    await session.flush()


async def do_cancel_scheduled(session: AsyncSession, scheduled: ScheduledStatus) -> None:
    """Forget the post; its media are free again (and swept a day after upload if nothing takes them)."""
    await _release_media(session, scheduled.id)
    await session.delete(scheduled)
    await session.flush()


async def _release_media(session: AsyncSession, scheduled_id: int) -> None:
    await session.execute(
        update(MediaAttachment)
        .where(MediaAttachment.scheduled_status_id == scheduled_id)
        .values(scheduled_status_id=None)
    )


async def due_scheduled(session: AsyncSession, now: datetime) -> list[int]:
    """Ids of the posts due at `now`, oldest due first (a batch; the sweep comes back for the rest)."""
    query = (
        select(ScheduledStatus.id)
        .where(ScheduledStatus.scheduled_at <= now)
        .order_by(ScheduledStatus.scheduled_at, ScheduledStatus.id)
        .limit(SWEEP_BATCH)
    )
    return list((await session.scalars(query)).all())


async def publish_scheduled(session: AsyncSession, scheduled_id: int, node: LocalNode, now: datetime) -> Status | None:
    """Post one due draft as its author, taking the row away; None when it is gone, not due, or its author left.

    Whatever the checks refuse now (a reply to a post since deleted, say) raises `ActionError`: the caller's
    transaction rolls back and it should `drop_scheduled` the row, as Mastodon drops such a post.
    """
    scheduled = await session.get(ScheduledStatus, scheduled_id)
    if scheduled is None or scheduled.scheduled_at > now:
        return None
    await _release_media(session, scheduled.id)
    taken = await session.execute(delete(ScheduledStatus).where(ScheduledStatus.id == scheduled.id))
    if taken.rowcount != 1:  # type: ignore[attr-defined]  # another process published it first
        return None
    author = await session.scalar(
        select(Account).where(Account.id == scheduled.account_id).options(selectinload(Account.actor))
    )
    if author is None or author.is_disabled:
        return None
    draft = _draft(scheduled.params)
    checked = await check_create_status(session, author, draft, node)
    return await do_create_status(session, checked, node, application_id=scheduled.application_id)


async def drop_scheduled(session: AsyncSession, scheduled_id: int) -> None:
    """Forget a due post that can no longer be published."""
    await _release_media(session, scheduled_id)
    await session.execute(delete(ScheduledStatus).where(ScheduledStatus.id == scheduled_id))
