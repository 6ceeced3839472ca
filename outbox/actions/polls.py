"""Polls: voting, and closing polls whose time is up (with a `poll` notification to author and voters).

Vote counts live on the poll row beside the PollVote rows (so timelines render without
counting); a vote updates both in one transaction with the poll row locked, so two votes
never lose each other's count, and plans the new counts' `Update{Question}` a little later (one for
a burst of votes: `plan_poll_counts`). Closing is a sweep over the database (`close_expired_polls`),
so a restart loses nothing: whatever expired while the node was down is closed next time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.feeds import notify, record_notification
from essaim.actors.models import Actor, NotificationType, Poll, PollVote, Status
from essaim.actors.models.base import utcnow
from essaim.actors.visibility import visible_to
from essaim.outbox.actions import Invalid, LocalNode, NotFound
from essaim.outbox.federate_posts import federate_poll_counts, federate_votes, plan_poll_counts

CLOSE_BATCH = 500  # polls closed per sweep transaction; the next sweep takes the rest


async def readable_poll(session: AsyncSession, poll_id: int, viewer_id: int | None, *, lock: bool = False) -> Poll:
    """The poll if its post is visible to `viewer_id`, else NotFound; `lock` holds the row for a vote."""
    query = select(Poll).join(Status, Status.id == Poll.status_id).where(Poll.id == poll_id, visible_to(viewer_id))
    if lock:  # the row as it is once locked, not a copy this session may hold from before
        query = query.with_for_update(of=Poll).execution_options(populate_existing=True)
    poll = await session.scalar(query)
    if poll is None:
        raise NotFound()
    return poll


def is_open(poll: Poll, now: datetime) -> bool:
    return poll.closed_at is None and (poll.expires_at is None or poll.expires_at > now)


def _choices(raw: Sequence[Any], poll: Poll) -> list[int]:
    choices: list[int] = []
    for value in raw:
        text = str(value).strip()
        if not text.isdigit() or int(text) >= len(poll.options):
            raise Invalid(f"{value!r} is not one of the poll's options (0 to {len(poll.options) - 1})")
        choices.append(int(text))
    choices = sorted(set(choices))
    if not choices:
        raise Invalid("choices[] must name at least one option")
    if len(choices) > 1 and not poll.multiple:
        raise Invalid("This poll allows only one choice")
    return choices


async def check_vote(
    session: AsyncSession, voter: Actor, poll_id: int, raw_choices: Sequence[Any]
) -> tuple[Poll, list[int]]:
    """The poll (locked) and the voter's choices; refused when ended, already voted, or a choice is not an option."""
    poll = await readable_poll(session, poll_id, voter.id, lock=True)
    if not is_open(poll, utcnow()):
        raise Invalid("The poll has already ended")
    voted = await session.scalar(select(PollVote.id).where(PollVote.poll_id == poll.id, PollVote.actor_id == voter.id))
    if voted is not None:
        raise Invalid("You have already voted on this poll")
    return poll, _choices(raw_choices, poll)


async def do_vote(session: AsyncSession, voter: Actor, poll: Poll, choices: list[int], node: LocalNode) -> None:
    now = utcnow()
    votes = [PollVote(poll_id=poll.id, actor_id=voter.id, choice=c, created_at=now) for c in choices]
    session.add_all(votes)
    poll.option_votes = [n + (1 if i in choices else 0) for i, n in enumerate(poll.option_votes)]
    poll.voters_count += 1
    await session.flush()
    await federate_votes(session, voter, poll, votes)
    await plan_poll_counts(session, poll, node)


async def close_expired_polls(session: AsyncSession, now: datetime, node: LocalNode | None = None) -> int:
    """Close polls whose `expires_at` has passed; notify their local author and local voters. Returns how many.

    With `node`, a local poll's final counts go out as an `Update{Question}` to its audience and voters.
    """
    query = (
        select(Poll, Status.actor_id)
        .join(Status, Status.id == Poll.status_id)
        .where(Poll.closed_at.is_(None), Poll.expires_at.is_not(None), Poll.expires_at <= now)
        .order_by(Poll.expires_at)
        .limit(CLOSE_BATCH)
        # Several processes may sweep one PostgreSQL database: each poll is closed (and notified) once.
        .with_for_update(of=Poll, skip_locked=True)
    )
    rows = list(await session.execute(query))
    for poll, author_id in rows:
        poll.closed_at = now
        voters = select(PollVote.actor_id).where(PollVote.poll_id == poll.id).distinct()
        for voter in await session.scalars(select(Actor).where(Actor.id.in_(voters))):
            await notify(
                session,
                recipient=voter,
                sender_id=author_id,
                kind=NotificationType.POLL.value,
                status_id=poll.status_id,
            )
        author = await session.get(Actor, author_id)
        if node is not None and author is not None and author.domain is None:
            await federate_poll_counts(session, poll, node)
        if author is not None and author.domain is None:
            # Mastodon tells authors their own poll ended; `notify` skips self-notifications by design.
            await record_notification(
                session,
                recipient_id=author_id,
                sender_id=author_id,
                kind=NotificationType.POLL.value,
                status_id=poll.status_id,
            )
    await session.flush()
    return len(rows)
