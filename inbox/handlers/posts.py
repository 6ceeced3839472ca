"""Inbound Create, Update and Delete: remote posts, stored exactly for their audience.

The sender is verified by the time a handler runs (`inbox.receive`); these handlers check what
only they can: that a post is the sender's own (its id on the sender's server, `attributedTo`
the sender), that it does not pretend to be one of ours, that a deleted post stays deleted
(`tombstones`), and that nothing widens a post's audience — a remote post reaches exactly what
its addressing says (`visibility_of`, Mastodon's rule), a boost or a favourite needs a post
the sender may read, and only public and unlisted posts can be boosted (`interactions.py`).

A refusal is logged with its reason and stores nothing; the handler still returns True (the
activity was dealt with: trying it again cannot help).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.communities import LOCKED, locked_thread
from essaim.actors.conversations import add_to_conversations
from essaim.actors.feeds import notify
from essaim.actors.models import (
    Actor,
    Favourite,
    HomeFeedEntry,
    MediaAttachment,
    NotificationType,
    Poll,
    PollVote,
    Status,
    StatusEdit,
    Tombstone,
)
from essaim.federation.keys import url_authority
from essaim.federation.parse_actor import FederationParseError
from essaim.federation.parse_note import (
    NOTE_TYPES,
    ParsedNote,
    ParsedPoll,
    parse_note,
)
from essaim.federation.vocab import as_list, id_of
from essaim.inbox.community_posts import redistribute, refusal_of, reject_post
from essaim.inbox.dispatch import InboxContext, handles
from essaim.inbox.handlers.votes import is_vote, record_vote
from essaim.inbox.remote_emojis import remember_emojis
from essaim.inbox.remote_posts import (
    addressed_actors,
    addressed_community,
    notify_mentioned,
    remote_media,
    remote_poll,
    status_by_uri,
    store_post,
)
from essaim.outbox.actions import insert_ignoring_duplicates
from essaim.outbox.actions.media import detach_media
from essaim.outbox.actions.post_removal import forget_post
from essaim.outbox.actions.statuses import set_mentions, set_tags
from essaim.outbox.federate_posts import redistribute as redistribute_change

log = logging.getLogger(__name__)


def refuse(ctx: InboxContext, reason: str) -> bool:
    """Log why the activity is not applied; True: it was dealt with (not to be retried, nor passed on)."""
    log.warning("refused %s %s from %s: %s", ctx.activity.get("type"), ctx.activity.get("id"), ctx.sender.uri, reason)
    return True


def ignore(ctx: InboxContext, reason: str) -> bool:
    """Like `refuse`, for what is harmless (a duplicate, a post we do not have): logged at info."""
    log.info("ignored %s %s from %s: %s", ctx.activity.get("type"), ctx.activity.get("id"), ctx.sender.uri, reason)
    return True


def is_local(ctx: InboxContext, uri: str) -> bool:
    return url_authority(uri) == url_authority(ctx.node.uris.base_url)


def from_sender(ctx: InboxContext, uri: str) -> bool:
    return url_authority(uri) == url_authority(ctx.sender.uri)


def _note_object(ctx: InboxContext) -> Mapping[str, Any] | None:
    """The embedded post of a Create or Update; None when the object is something else (an actor's Update)."""
    obj = ctx.activity.get("object")
    if isinstance(obj, Mapping) and any(t in NOTE_TYPES for t in as_list(obj.get("type"))):
        return obj
    return None


def _own_note(ctx: InboxContext, obj: Mapping[str, Any]) -> ParsedNote | str:
    """The parsed post, or why it cannot be the sender's own."""
    try:
        note = parse_note(obj)
    except FederationParseError as error:
        return f"unusable post: {error}"
    if is_local(ctx, note.id):
        return "a remote object claiming to be a local one"
    if not from_sender(ctx, note.id):
        return f"the post {note.id} is not on the sender's server"
    if note.attributed_to != ctx.sender.uri:
        return f"the post is attributed to {note.attributed_to}, not to its sender"
    return note


# --- Create --------------------------------------------------------------------------------------------


@handles("Create")
async def create(ctx: InboxContext) -> bool:
    """A remote post: stored once, shown to exactly its audience, its mentioned local people notified."""
    obj = _note_object(ctx)
    if obj is None:
        return False
    note = _own_note(ctx, obj)
    if isinstance(note, str):
        return refuse(ctx, note)
    session = ctx.session
    if await session.get(Tombstone, note.id) is not None:
        return refuse(ctx, f"{note.id} was deleted by its author")
    if is_vote(obj, note) and is_local(ctx, str(note.in_reply_to)):
        refused = await record_vote(ctx, str(obj["name"]), str(note.in_reply_to))
        return refuse(ctx, refused) if refused else True
    existing = await status_by_uri(session, note.id)
    if existing is not None:
        if existing.actor_id != ctx.sender.id:
            return refuse(ctx, f"{note.id} is already stored as another actor's post")
        return ignore(ctx, "the post is stored already")
    community = await addressed_community(session, note)
    if community is not None and (refused := await refusal_of(session, community, ctx.sender)) is not None:
        await reject_post(session, community, ctx.sender, ctx.activity)
        return refuse(ctx, f"{community.uri}: {refused}")
    if note.in_reply_to is not None and await locked_thread(session, await status_by_uri(session, note.in_reply_to)):
        if community is not None and community.is_local:
            await reject_post(session, community, ctx.sender, ctx.activity)
        return refuse(ctx, f"{note.in_reply_to}: {LOCKED}")
    status = await store_post(session, ctx.sender, note, ctx.now, community=community)
    if community is not None:
        await redistribute(session, community, status, ctx.activity, ctx.node.internal_domains)
    log.info("stored %s post %s from %s", status.visibility, note.id, ctx.sender.uri)
    return True


# --- Update --------------------------------------------------------------------------------------------


def _version(status: Status, media: list[MediaAttachment], poll: Poll | None, at: datetime) -> StatusEdit:
    return StatusEdit(
        status_id=status.id,
        content=status.content,
        spoiler_text=status.spoiler_text,
        sensitive=status.sensitive,
        media_ids=[m.id for m in media],
        poll_options=list(poll.options) if poll else None,
        created_at=at,
    )


async def _update_poll(session: AsyncSession, status: Status, current: Poll | None, parsed: ParsedPoll | None) -> None:
    """New counts (Mastodon sends an Update as votes come in); new options replace the poll."""
    if parsed is None:
        if current is not None:
            await session.delete(current)
        return
    if current is None:
        session.add(remote_poll(status.id, parsed, status.published))
        return
    if current.options != parsed.options or current.multiple != parsed.multiple:  # local votes no longer apply
        await session.execute(delete(PollVote).where(PollVote.poll_id == current.id))
    current.options, current.option_votes = parsed.options, parsed.votes
    current.multiple, current.voters_count = parsed.multiple, parsed.voters_count
    current.expires_at, current.closed_at = parsed.expires_at, parsed.closed_at


@handles("Update")
async def update(ctx: InboxContext) -> bool:
    """An edit of a remote post by its author: new content, history kept; its audience never changes."""
    obj = _note_object(ctx)
    if obj is None:
        return False
    note = _own_note(ctx, obj)
    if isinstance(note, str):
        return refuse(ctx, note)
    session = ctx.session
    status = await status_by_uri(session, note.id)
    if status is None:
        return ignore(ctx, "an edit of a post we do not have")
    if status.actor_id != ctx.sender.id or status.reblog_of_id is not None:
        return refuse(ctx, f"{note.id} is not the sender's post")
    media = list(
        await session.scalars(
            select(MediaAttachment).where(MediaAttachment.status_id == status.id).order_by(MediaAttachment.position)
        )
    )
    poll = await session.scalar(select(Poll).where(Poll.status_id == status.id))
    edited = (
        note.content != status.content
        or note.summary != status.spoiler_text
        or note.sensitive != status.sensitive
        or [a.url for a in note.attachments] != [m.remote_url for m in media]
        or (note.poll.options if note.poll else None) != (poll.options if poll else None)
    )
    await _update_poll(session, status, poll, note.poll)
    if not edited:  # only poll counts moved: no new version
        return True
    edited_at = min(note.updated or ctx.now, ctx.now)
    if not await session.scalar(select(func.count()).where(StatusEdit.status_id == status.id)):
        session.add(_version(status, media, poll, status.published))
    status.content, status.spoiler_text, status.sensitive = note.content, note.summary, note.sensitive
    status.language = note.language or status.language
    status.edited_at = edited_at
    if [a.url for a in note.attachments] != [m.remote_url for m in media]:
        await detach_media(session, MediaAttachment.status_id == status.id)  # swept later, cached copies too
        media = remote_media(note, status, ctx.sender)
        session.add_all(media)
    added, _ = await set_mentions(session, status, await addressed_actors(session, note))
    await set_tags(session, status, note.hashtags)
    await remember_emojis(session, ctx.sender.domain or "", note.emojis, ctx.now)
    await session.flush()
    session.add(
        _version(status, media, await session.scalar(select(Poll).where(Poll.status_id == status.id)), edited_at)
    )
    for actor in added:
        if actor.domain is None:
            await insert_ignoring_duplicates(session, HomeFeedEntry, owner_id=actor.id, status_id=status.id)
    await notify_mentioned(session, ctx.sender, status, added)
    await add_to_conversations(session, status, only=[a.id for a in added])
    boosters = select(Status.actor_id).where(Status.reblog_of_id == status.id).distinct()
    for booster in await session.scalars(select(Actor).where(Actor.id.in_(boosters))):
        await notify(
            session, recipient=booster, sender_id=ctx.sender.id, kind=NotificationType.UPDATE.value, status_id=status.id
        )
    await redistribute_change(session, status, ctx.activity, ctx.node.internal_domains)  # to its other members
    return True


# --- Delete --------------------------------------------------------------------------------------------


async def forget_actor(session: AsyncSession, actor: Actor) -> None:
    """A deleted remote actor: their posts, boosts and favourites go (the database cascades the rest)."""
    await session.execute(delete(Favourite).where(Favourite.actor_id == actor.id))
    await detach_media(session, MediaAttachment.actor_id == actor.id)
    await session.execute(delete(Status).where(Status.actor_id == actor.id))


@handles("Delete")
async def delete_post(ctx: InboxContext) -> bool:
    """A post deleted by its author (a tombstone is kept), or the sender deleting themselves."""
    target = id_of(ctx.activity.get("object"))
    if target is None:
        return refuse(ctx, "a Delete of nothing")
    session = ctx.session
    if target == ctx.sender.uri:
        await forget_actor(session, ctx.sender)
        log.info("%s deleted their account: their posts are removed", ctx.sender.uri)
        return True
    status = await status_by_uri(session, target)
    if status is None:
        if is_local(ctx, target) or not from_sender(ctx, target):
            return refuse(ctx, f"{target} is not the sender's to delete")
        await insert_ignoring_duplicates(session, Tombstone, uri=target, deleted_at=ctx.now)
        return ignore(ctx, "a Delete of a post we do not have (remembered, in case its Create comes late)")
    if status.actor_id != ctx.sender.id:
        return refuse(ctx, f"{target} is another actor's post")
    await redistribute_change(session, status, ctx.activity, ctx.node.internal_domains)
    await forget_post(session, status, ctx.now)
    log.info("deleted %s at its author's request", target)
    return True
