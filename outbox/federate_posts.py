"""Tell peers what local people do to posts: plan the deliveries of Create, Update, Delete, Like, Announce, Undo.

Called by the actions inside their transaction, so a post and its deliveries commit together
(the delivery worker sends them once committed). Who is told, as Mastodon does:

- a post, its edits and its deletion: the author's remote accepted followers (unless the post
  is direct), every mentioned remote actor, and the remote author of the post it replies to
  when the reply is public or unlisted;
- a favourite: the post's author; a boost: the booster's remote followers and the post's author;
- a pin or unpin (`Add`/`Remove` to the featured collection): the author's remote followers, the
  only hosts that may read a followers-only post (direct posts cannot be pinned);
- an undo: whoever was told of what it undoes;
- a post in a community: also its Group when remote; a members-only one its Group alone. A
  local Group announces a new post, its edits and its deletion to its remote members
  (`federate_communities.py`).
- a local poll's counts: its post's audience and remote voters, a few seconds after a vote (one
  `Update{Question}` for a burst, `plan_poll_counts`), at once when it closes.

Each host is reached once, through its shared inbox when it has one (`delivery.inboxes_for`).
Nothing is planned when nobody remote is concerned.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors import jobs
from essaim.actors.models import Actor, Favourite, Follow, Job, Mention, Poll, PollVote, Status, StatusPin, Visibility
from essaim.actors.models.base import utcnow
from essaim.actors.visibility import PUBLIC_VISIBILITIES
from essaim.federation.render import post_activities as render
from essaim.federation.vocab import id_of
from essaim.outbox.actions import LocalNode
from essaim.outbox.delivery import inboxes_for, plan_deliveries
from essaim.outbox.federate_communities import announce_to_members
from essaim.outbox.note_parts import parts_of

POLL_COUNTS = "poll.counts"  # payload: {"poll_id": …}; group key: the poll's id


async def _actor(session: AsyncSession, actor_id: int) -> Actor:
    actor = await session.get(Actor, actor_id)
    assert actor is not None, "statuses.actor_id is a foreign key"
    return actor


async def remote_followers(session: AsyncSession, actor_id: int) -> list[Actor]:
    """Remote actors whose follow of `actor_id` is accepted (pending requests are told nothing)."""
    query = (
        select(Actor)
        .join(Follow, Follow.follower_id == Actor.id)
        .where(Follow.followee_id == actor_id, Follow.accepted.is_(True), Actor.domain.is_not(None))
    )
    return list(await session.scalars(query))


async def _mentioned(session: AsyncSession, status: Status) -> list[Actor]:
    query = select(Actor).join(Mention, Mention.actor_id == Actor.id).where(Mention.status_id == status.id)
    return list(await session.scalars(query.order_by(Actor.id)))


async def _post_audience(session: AsyncSession, status: Status, mentioned: list[Actor]) -> list[Actor]:
    """Every remote actor a post reaches (see the module docstring); a members-only community post
    reaches its Group alone (when remote; a local Group announces it to its members itself)."""
    group = await session.get(Actor, status.community_id) if status.community_id is not None else None
    remote_group = [group] if group is not None and group.domain is not None else []
    if status.community_id is not None and status.visibility == Visibility.PRIVATE.value:
        return remote_group
    reached = [*remote_group, *(a for a in mentioned if a.domain is not None)]
    if status.visibility != Visibility.DIRECT.value:
        reached += await remote_followers(session, status.actor_id)
    if status.in_reply_to_account_id is not None and status.visibility in PUBLIC_VISIBILITIES:
        parent_author = await session.get(Actor, status.in_reply_to_account_id)
        if parent_author is not None and parent_author.domain is not None:
            reached.append(parent_author)
    return reached


def _subject(activity: Mapping[str, Any]) -> str:
    """What an activity is about, so a post's Create, Updates and Delete (a Like and its Undo) keep their order."""
    if activity["type"] in ("Create", "Update", "Delete", "Undo", "Add", "Remove"):
        return id_of(activity["object"]) or str(activity["id"])
    return str(activity["id"])


async def _plan(session: AsyncSession, activity: Mapping[str, Any], signer: Actor, actors: Iterable[Actor]) -> None:
    if signer.domain is not None:  # only local actors sign; a remote actor's activity is theirs to send
        return
    inboxes = inboxes_for(actors)
    if inboxes:
        body = render.document(activity)
        await plan_deliveries(session, str(activity["id"]), body, signer.id, inboxes, subject=_subject(activity))


# --- posts ---------------------------------------------------------------------------------------------


async def federate_create(session: AsyncSession, status: Status, node: LocalNode) -> None:
    """A new local post: `Create{Note}` (or `Question`) to its remote audience."""
    author = await _actor(session, status.actor_id)
    mentioned = await _mentioned(session, status)
    activity = render.render_create(status, author, await parts_of(session, status, node))
    await _plan(session, activity, author, await _post_audience(session, status, mentioned))
    await redistribute(session, status, activity, node.internal_domains)


async def redistribute(
    session: AsyncSession, status: Status, activity: Mapping[str, Any], internal_domains: Iterable[str]
) -> None:
    """A post in a local community: its Group announces the activity about it to its remote members."""
    if status.community_id is None:
        return
    group = await _actor(session, status.community_id)
    if group.is_local:
        members = await remote_followers(session, group.id)
        await announce_to_members(session, group, members, status, render.document(activity), internal_domains)


async def federate_update(session: AsyncSession, status: Status, node: LocalNode) -> None:
    """An edited local post: `Update` with the whole new version, to the post's current audience."""
    author = await _actor(session, status.actor_id)
    mentioned = await _mentioned(session, status)
    activity = render.render_update(status, author, await parts_of(session, status, node))
    await _plan(session, activity, author, await _post_audience(session, status, mentioned))
    await redistribute(session, status, activity, node.internal_domains)


async def federate_delete(session: AsyncSession, status: Status, internal_domains: Iterable[str]) -> None:
    """A local post about to be deleted: `Delete{Tombstone}`; a boost is taken back with `Undo{Announce}`.

    Call it before the row goes: its mentions are read to address the deletion. `internal_domains`: the
    node's boundary, for a post in one of its communities (`redistribute`).
    """
    author = await _actor(session, status.actor_id)
    if status.reblog_of_id is not None:
        original = await session.get(Status, status.reblog_of_id)
        if original is not None:
            await _unannounce(session, author, status, original)
        return
    mentioned = await _mentioned(session, status)
    activity = render.render_delete(status, author, [a.uri for a in mentioned])
    await _plan(session, activity, author, await _post_audience(session, status, mentioned))
    await redistribute(session, status, activity, internal_domains)


# --- favourites ----------------------------------------------------------------------------------------


async def _like(session: AsyncSession, actor: Actor, status: Status) -> tuple[dict[str, Any], Actor] | None:
    """The `Like` of the actor's favourite of a post, and the post's author; None when it is not favourited."""
    favourite_id = await session.scalar(
        select(Favourite.id).where(Favourite.actor_id == actor.id, Favourite.status_id == status.id)
    )
    if favourite_id is None:
        return None
    author = await _actor(session, status.actor_id)
    return render.render_like(actor, favourite_id, status.uri, author.uri), author


async def federate_favourite(session: AsyncSession, actor: Actor, status: Status) -> None:
    """A favourite just recorded: `Like` to the post's author, when remote."""
    if (like := await _like(session, actor, status)) is not None:
        activity, author = like
        await _plan(session, activity, actor, [author])


async def federate_unfavourite(session: AsyncSession, actor: Actor, status: Status) -> None:
    """A favourite about to be removed: `Undo{Like}` to the post's author. Call it before the row goes."""
    if (like := await _like(session, actor, status)) is not None:
        activity, author = like
        await _plan(session, render.render_undo(activity), actor, [author])


# --- poll votes ----------------------------------------------------------------------------------------


async def federate_poll_counts(session: AsyncSession, poll: Poll, node: LocalNode) -> None:
    """A local poll's counts moved: `Update{Question}` to the post's remote audience and remote voters.

    The id names the count state, so a repeat of the same counts is planned once per inbox.
    """
    status = await session.get(Status, poll.status_id)
    if status is None:
        return
    author = await _actor(session, status.actor_id)
    activity = render.render_update(status, author, await parts_of(session, status, node))
    state = f"{poll.voters_count}-{sum(poll.option_votes)}-{int(poll.closed_at is not None)}"
    activity["id"] = f"{status.uri}#counts/{state}"
    voters = select(PollVote.actor_id).where(PollVote.poll_id == poll.id)
    remote_voters = list(await session.scalars(select(Actor).where(Actor.id.in_(voters), Actor.domain.is_not(None))))
    mentioned = await _mentioned(session, status)
    await _plan(session, activity, author, [*await _post_audience(session, status, mentioned), *remote_voters])


async def plan_poll_counts(session: AsyncSession, poll: Poll, node: LocalNode) -> None:
    """A vote moved a local poll's counts: plan one `POLL_COUNTS` job `node.poll_update_seconds` from now,
    unless one not yet claimed is waiting (it will read these votes too), so a burst of votes sends one
    `Update{Question}`. A claimed job may have read the counts already: then a new one is planned."""
    status = await session.get(Status, poll.status_id)
    if status is None or (await _actor(session, status.actor_id)).domain is not None:
        return  # a peer's poll: its author sends the counts
    waiting = select(Job.id).where(
        Job.kind == POLL_COUNTS, Job.group_key == str(poll.id), Job.run_at.is_not(None), Job.locked_by.is_(None)
    )
    if await session.scalar(waiting.limit(1)) is None:
        now = utcnow()
        run_at = now + timedelta(seconds=node.poll_update_seconds)
        await jobs.enqueue(session, POLL_COUNTS, {"poll_id": poll.id}, run_at, group_key=str(poll.id), now=now)


async def send_poll_counts(session: AsyncSession, poll_id: int, node: LocalNode) -> None:
    """The planned counts update: the poll read as it is once locked (votes under way are waited for), sent."""
    query = select(Poll).where(Poll.id == poll_id).with_for_update().execution_options(populate_existing=True)
    poll = await session.scalar(query)
    if poll is not None:
        await federate_poll_counts(session, poll, node)


async def federate_votes(session: AsyncSession, voter: Actor, poll: Poll, votes: list[PollVote]) -> None:
    """Votes just recorded on a peer's poll: one `Create{Note}` per choice, to the poll's author only."""
    status = await session.get(Status, poll.status_id)
    if status is None:
        return
    author = await _actor(session, status.actor_id)
    if author.domain is None:
        return
    for vote in votes:
        activity = render.render_vote(voter, vote.id, poll.options[vote.choice], status.uri, author.uri)
        await _plan(session, activity, voter, [author])


# --- pins ----------------------------------------------------------------------------------------------


async def federate_pin_change(session: AsyncSession, kind: str, author: Actor, status: Status) -> None:
    """`Add` of a post just pinned, or `Remove` of one about to be unpinned (call it before the row goes),
    to the author's remote followers."""
    pin_id = await session.scalar(
        select(StatusPin.id).where(StatusPin.actor_id == author.id, StatusPin.status_id == status.id)
    )
    if pin_id is not None and author.featured_uri is not None:
        activity = render.render_pin_change(kind, author, pin_id, status)
        await _plan(session, activity, author, await remote_followers(session, author.id))


# --- boosts --------------------------------------------------------------------------------------------


async def _announce(
    session: AsyncSession, booster: Actor, boost: Status, original: Status
) -> tuple[dict[str, Any], list[Actor]]:
    """The boost's `Announce` and who hears of it."""
    original_author = await _actor(session, original.actor_id)
    audience = [original_author, *await remote_followers(session, booster.id)]
    return render.render_announce(boost, booster, original.uri, original_author.uri), audience


async def federate_reblog(session: AsyncSession, booster: Actor, boost: Status, original: Status) -> None:
    """A new boost: `Announce` to the booster's remote followers and the boosted post's author."""
    activity, audience = await _announce(session, booster, boost, original)
    await _plan(session, activity, booster, audience)


async def _unannounce(session: AsyncSession, booster: Actor, boost: Status, original: Status) -> None:
    activity, audience = await _announce(session, booster, boost, original)
    await _plan(session, render.render_undo(activity), booster, audience)


async def federate_unreblog(session: AsyncSession, booster: Actor, original: Status) -> None:
    """A boost about to be removed: `Undo{Announce}` to whoever was told. Call it before the row goes."""
    boost = await session.scalar(
        select(Status).where(Status.actor_id == booster.id, Status.reblog_of_id == original.id)
    )
    if boost is not None:
        await _unannounce(session, booster, boost, original)
