"""A peer's vote on a local poll: a `Note` named after the option, in reply to the `Question`, with no content.

Mastodon sends one such Note per choice. It is counted, never stored as a post: a vote is
not a status anyone should see. One vote per voter per option; several options only on a
multiple-choice poll; none after the poll ended, nor on a poll the voter may not read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from essaim.actors.models import Poll, PollVote, Status
from essaim.actors.visibility import visible_to
from essaim.federation.parse_note import ParsedNote
from essaim.inbox.dispatch import InboxContext
from essaim.outbox.actions.polls import is_open
from essaim.outbox.federate_posts import plan_poll_counts


def is_vote(obj: Mapping[str, Any], note: ParsedNote) -> bool:
    """A Note with a `name`, a parent and no body: Mastodon's shape of a poll vote."""
    return isinstance(obj.get("name"), str) and note.in_reply_to is not None and not obj.get("content")


async def record_vote(ctx: InboxContext, option: str, question_uri: str) -> str | None:
    """Count the sender's vote; None when counted, else why it was refused."""
    session = ctx.session
    query = select(Poll).join(Status, Status.id == Poll.status_id)
    query = query.where(Status.uri == question_uri, visible_to(ctx.sender.id))
    poll = await session.scalar(query.with_for_update(of=Poll).execution_options(populate_existing=True))
    if poll is None:
        return f"{question_uri} is not a local poll the sender can read"
    if not is_open(poll, ctx.now):
        return "the poll has ended"
    if option not in poll.options:
        return f"{option!r} is not one of the poll's options"
    choice = poll.options.index(option)
    mine = select(PollVote.choice).where(PollVote.poll_id == poll.id, PollVote.actor_id == ctx.sender.id)
    earlier = list(await session.scalars(mine))
    if choice in earlier:
        return "the sender already voted for this option"
    if earlier and not poll.multiple:
        return "the poll allows one choice and the sender already voted"
    session.add(PollVote(poll_id=poll.id, actor_id=ctx.sender.id, choice=choice, created_at=ctx.now))
    poll.option_votes = [n + (1 if i == choice else 0) for i, n in enumerate(poll.option_votes)]
    poll.voters_count += 0 if earlier else 1
    await session.flush()
    await plan_poll_counts(session, poll, ctx.node)
    return None
