"""Editing a local post: what changed becomes a new version, the original the first history entry.

As in Mastodon: people an edit newly mentions are told, those who boosted the post get an `update`
notification, and a poll keeps its votes unless its options or choice mode change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.conversations import add_to_conversations
from essaim.actors.feeds import notify
from essaim.actors.models import (
    Account,
    Actor,
    HomeFeedEntry,
    MediaAttachment,
    NotificationType,
    Poll,
    PollVote,
    Status,
    StatusEdit,
)
from essaim.actors.models.base import utcnow
from essaim.actors.visibility import visible_status
from essaim.outbox.actions import LocalNode, NotFound, insert_ignoring_duplicates, readable_status
from essaim.outbox.actions.statuses import (
    CheckedStatus,
    PollDraft,
    StatusDraft,
    attach_media,
    check_content,
    new_poll,
    set_mentions,
    set_tags,
)
from essaim.outbox.federate_posts import federate_update


async def own_status(session: AsyncSession, author: Account, status_id: int) -> Status:
    """One of the author's own posts (not a boost); anyone else's is NotFound, as in Mastodon."""
    status = await readable_status(session, status_id, author.actor_id)
    if status.actor_id != author.actor_id or status.reblog_of_id is not None:
        raise NotFound()
    return status


async def check_edit_status(
    session: AsyncSession, author: Account, status_id: int, draft: StatusDraft, node: LocalNode
) -> tuple[Status, CheckedStatus]:
    status = await own_status(session, author, status_id)
    checked = await check_content(
        session, author, draft, node, editing=status, visibility=status.visibility, reply_to=None
    )
    return status, checked


@dataclass(frozen=True)
class _Version:
    content: str
    spoiler_text: str
    sensitive: bool
    language: str | None
    media_ids: list[int]
    poll: tuple[list[str], bool] | None


async def _version(session: AsyncSession, status: Status) -> tuple[_Version, list[MediaAttachment], Poll | None]:
    media = list(
        await session.scalars(
            select(MediaAttachment).where(MediaAttachment.status_id == status.id).order_by(MediaAttachment.position)
        )
    )
    poll = await session.scalar(select(Poll).where(Poll.status_id == status.id))
    version = _Version(
        status.content,
        status.spoiler_text,
        status.sensitive,
        status.language,
        [m.id for m in media],
        (list(poll.options), poll.multiple) if poll else None,
    )
    return version, media, poll


def _history_entry(status: Status, version: _Version, at: datetime) -> StatusEdit:
    return StatusEdit(
        status_id=status.id,
        content=version.content,
        spoiler_text=version.spoiler_text,
        sensitive=version.sensitive,
        media_ids=version.media_ids,
        poll_options=version.poll[0] if version.poll else None,
        created_at=at,
    )


async def do_edit_status(session: AsyncSession, status: Status, checked: CheckedStatus, node: LocalNode) -> Status:
    """Apply an edit; record the history; tell newly mentioned people, those who boosted the post, and peers."""
    before, current_media, current_poll = await _version(session, status)
    new_poll = checked.poll
    after = _Version(
        checked.body.html,
        checked.spoiler_text,
        checked.sensitive,
        checked.language,
        [m.id for m in checked.media],
        (new_poll.options, new_poll.multiple) if new_poll else None,
    )
    poll_timing_changed = new_poll is not None and current_poll is not None
    if after == before and not poll_timing_changed and status.source_text == checked.text:
        return status
    now = utcnow()
    has_history = await session.scalar(select(func.count()).where(StatusEdit.status_id == status.id))
    if not has_history:
        session.add(_history_entry(status, before, status.published))
    status.content, status.source_text = checked.body.html, checked.text
    status.spoiler_text, status.sensitive, status.language = checked.spoiler_text, checked.sensitive, checked.language
    status.edited_at = now
    attach_media(status, current_media, checked.media)
    await _replace_poll(session, status, current_poll, new_poll, now)
    added, removed = await set_mentions(session, status, checked.body.mentions)
    await set_tags(session, status, checked.body.tags)
    session.add(_history_entry(status, after, now))
    await session.flush()
    await _forget_removed_audience(session, status, removed)
    author_id = status.actor_id
    for mentioned in added:
        await _add_to_home(session, mentioned, status)
        await notify(
            session, recipient=mentioned, sender_id=author_id, kind=NotificationType.MENTION.value, status_id=status.id
        )
    await add_to_conversations(session, status, only=[a.id for a in added])
    boosters = select(Status.actor_id).where(Status.reblog_of_id == status.id).distinct()
    for booster in await session.scalars(select(Actor).where(Actor.id.in_(boosters))):
        await notify(
            session, recipient=booster, sender_id=author_id, kind=NotificationType.UPDATE.value, status_id=status.id
        )
    await federate_update(session, status, node)
    return status


async def _replace_poll(
    session: AsyncSession, status: Status, current: Poll | None, draft: PollDraft | None, now: datetime
) -> None:
    """Keep the votes when only timing or hiding changes; new options or choice mode start the poll afresh."""
    if draft is None:
        if current is not None:
            await session.delete(current)
        return
    if current is None:
        session.add(new_poll(status.id, draft, now))
        return
    assert draft.expires_in is not None, "checked"
    if current.options != draft.options or current.multiple != draft.multiple:
        await session.execute(delete(PollVote).where(PollVote.poll_id == current.id))
        current.options, current.option_votes = list(draft.options), [0] * len(draft.options)
        current.voters_count, current.multiple = 0, draft.multiple
    current.hide_totals = draft.hide_totals
    current.expires_at, current.closed_at = now + timedelta(seconds=draft.expires_in), None


async def _add_to_home(session: AsyncSession, actor: Actor, status: Status) -> None:
    if actor.domain is None:
        await insert_ignoring_duplicates(session, HomeFeedEntry, owner_id=actor.id, status_id=status.id)


async def _forget_removed_audience(session: AsyncSession, status: Status, removed: set[int]) -> None:
    """People an edit un-mentions lose the post from their home feed when they can no longer read it."""
    for actor_id in removed:
        if await visible_status(session, status.id, actor_id) is None:
            await session.execute(
                delete(HomeFeedEntry).where(HomeFeedEntry.owner_id == actor_id, HomeFeedEntry.status_id == status.id)
            )
