"""Inbound votes on local polls (essaim.inbox.handlers.votes) through `dispatch`, on a real migrated database.

A vote is counted once per voter and option, several options only on a multiple-choice poll, never
after the end nor on a poll the voter may not read; it is never stored as a post, and the new counts
go out as an `Update{Question}`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from essaim.actors.models import Delivery, Job, Poll, PollVote, Status
from essaim.outbox.federate_posts import POLL_COUNTS, send_poll_counts
from tests.inbox.test_post_handlers import ANA, BOB, NODE, NOW, World, apply, count, create, note, read, world

__all__ = ["world"]  # the fixture, shared with the post handlers' tests


def vote(number: int, option: str, question: str, *, sender: str = BOB) -> dict[str, Any]:
    """Mastodon's vote: a content-less Note named after the option, to the poll's author only."""
    body = note(number, to=[ANA], name=option, inReplyTo=question, attributedTo=sender, content="")
    if sender != BOB:
        body["id"] = f"{sender}/votes/{number}"
    return create(body, actor=sender)


async def _polls(world: World, *, multiple: bool = False) -> tuple[Poll, Poll, Poll]:
    """Polls on ana's public post (open), her followers-only post (open) and a third post (ended)."""
    async with world.db.transaction() as session:
        ended = Status(actor_id=world.ana.id, uri=f"{ANA}/statuses/9", visibility="public", content="<p>q</p>")
        session.add(ended)
        await session.flush()
        polls = (
            Poll(
                status_id=world.ana_public.id,
                options=["Tea", "Coffee"],
                option_votes=[0, 0],
                multiple=multiple,
                expires_at=NOW + timedelta(hours=1),
            ),
            Poll(
                status_id=world.ana_private.id,
                options=["Tea", "Coffee"],
                option_votes=[0, 0],
                expires_at=NOW + timedelta(hours=1),
            ),
            Poll(
                status_id=ended.id,
                options=["Tea", "Coffee"],
                option_votes=[0, 0],
                expires_at=NOW - timedelta(minutes=1),
            ),
        )
        session.add_all(polls)
    return polls


async def _counts(world: World, poll: Poll) -> tuple[list[int], int]:
    [fresh] = await read(world.db, select(Poll).where(Poll.id == poll.id))
    return list(fresh.option_votes), fresh.voters_count


async def test_a_vote_is_counted_once_and_never_stored_as_a_post(world: World) -> None:
    public, _, _ = await _polls(world)
    assert await apply(world.db, world.bob, vote(20, "Tea", world.ana_public.uri))
    assert await _counts(world, public) == ([1, 0], 1)
    assert await count(world.db, Status, Status.uri == f"{BOB}/statuses/20") == 0, "a vote is not a post"
    [planned] = await read(world.db, select(Job).where(Job.kind == POLL_COUNTS))
    assert planned.payload == {"poll_id": public.id}, "the new counts are planned, not sent at once"
    async with world.db.transaction() as session:  # what the planned job does when due
        await send_poll_counts(session, public.id, NODE)
    updates = await read(world.db, select(Delivery.activity_id).where(Delivery.inbox_url == world.bob.shared_inbox_uri))
    assert f"{world.ana_public.uri}#counts/1-1-0" in updates, "the new counts go to the voter"

    # Again the same option, or a second option on a single-choice poll: refused, nothing stored.
    assert await apply(world.db, world.bob, vote(21, "Tea", world.ana_public.uri))
    assert await apply(world.db, world.bob, vote(22, "Coffee", world.ana_public.uri))
    assert await _counts(world, public) == ([1, 0], 1)
    assert await count(world.db, Status, Status.actor_id == world.bob.id) == 0


async def test_several_options_on_a_multiple_choice_poll(world: World) -> None:
    public, _, _ = await _polls(world, multiple=True)
    assert await apply(world.db, world.bob, vote(20, "Tea", world.ana_public.uri))
    assert await apply(world.db, world.bob, vote(21, "Coffee", world.ana_public.uri))
    assert await _counts(world, public) == ([1, 1], 1), "one voter, two options"


async def test_vote_refusals(world: World) -> None:
    _, private, ended = await _polls(world)
    # eve cannot read ana's followers-only post; bob (a follower) can.
    assert await apply(world.db, world.eve, vote(30, "Tea", world.ana_private.uri, sender=world.eve.uri))
    assert await _counts(world, private) == ([0, 0], 0)
    assert await apply(world.db, world.bob, vote(31, "Tea", world.ana_private.uri))
    assert await _counts(world, private) == ([1, 0], 1)
    # After the end, and for an option the poll does not have.
    assert await apply(world.db, world.bob, vote(32, "Tea", f"{ANA}/statuses/9"))
    assert await _counts(world, ended) == ([0, 0], 0)
    assert await apply(world.db, world.bob, vote(33, "Milk", world.ana_public.uri))
    assert await count(world.db, PollVote, PollVote.actor_id == world.bob.id) == 1
