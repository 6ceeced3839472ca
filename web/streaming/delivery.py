"""Which of a reader's streams an event belongs on, and its payload rendered for that reader.

Decided at delivery, per reader, with the same rules as the timelines they stand for: `user` carries
posts in the reader's home feed, `public*` and `hashtag*` what the public and tag timelines show the
reader (essaim.web.api.v1.timelines.public_posts), `direct` direct posts the reader may read. Every
post passes `visible_to` for the reader, so a followers-only post never reaches a non-follower and a
blocked author's posts never reach the blocker. Notifications go to their recipient's `user` and
`user:notification` streams, if the notifications API would list them. Deletes carry only an id: they
go where the post could have been seen (see `_may_have_seen`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.events import DELETE, NOTIFICATION, Event
from essaim.actors.hydrate import load_statuses
from essaim.actors.models import Follow, HomeFeedEntry, Notification, Status, Visibility
from essaim.actors.visibility import PUBLIC_VISIBILITIES, visible_to
from essaim.uris import LocalURIs
from essaim.web.api.entities.status import render_status
from essaim.web.api.v1.notifications import notifications_json, visible_notifications
from essaim.web.api.v1.timelines import has_tag, public_posts
from essaim.web.streaming.streams import Stream

NOTIFIED_STREAMS = ("user", "user:notification")


@dataclass(frozen=True)
class Message:
    """One event on one stream, as Mastodon sends it: `payload` is a JSON string (a bare id for deletes)."""

    stream: Stream
    event: str
    payload: str


def _shows(stream: Stream, viewer_id: int | None) -> ColumnElement[bool] | None:
    """SQL on `Status`: the post belongs on this stream for this reader (None: never)."""
    if stream.name == "user" and viewer_id is not None:
        in_feed = exists().where(HomeFeedEntry.owner_id == viewer_id, HomeFeedEntry.status_id == Status.id)
        return and_(in_feed, visible_to(viewer_id))
    if stream.name == "direct" and viewer_id is not None:
        return and_(Status.visibility == Visibility.DIRECT.value, visible_to(viewer_id))
    if stream.name.startswith("public") or stream.name.startswith("hashtag"):
        shown = public_posts(viewer_id, local=stream.local, remote=stream.remote, only_media=stream.only_media)
        return and_(shown, has_tag([stream.tag])) if stream.tag else shown
    return None  # list streams: none can be opened yet (streams.may_read_list)


async def _status_messages(
    session: AsyncSession, uris: LocalURIs, event: Event, viewer_id: int | None, streams: Iterable[Stream]
) -> list[Message]:
    matched = []
    for stream in streams:
        rule = _shows(stream, viewer_id)
        if rule is not None and await session.scalar(select(Status.id).where(Status.id == event.id, rule)):
            matched.append(stream)
    if not matched:
        return []
    status = await session.get(Status, event.id)
    if status is None:  # deleted since
        return []
    (data,) = await load_statuses(session, [status], viewer_id)
    payload = json.dumps(render_status(data, uris, viewer_id))
    return [Message(stream, event.kind, payload) for stream in matched]


async def _may_have_seen(session: AsyncSession, event: Event, viewer_id: int | None) -> bool:
    """Whether the reader could have seen a post now deleted (its row is gone: the event says who)."""
    if event.visibility in PUBLIC_VISIBILITIES:
        return True
    if viewer_id is None:
        return False
    if viewer_id == event.actor_id or viewer_id in event.mentioned:
        return True
    if event.visibility != Visibility.PRIVATE.value:
        return False
    follows = select(Follow.id).where(
        Follow.follower_id == viewer_id, Follow.followee_id == event.actor_id, Follow.accepted.is_(True)
    )
    return await session.scalar(follows) is not None


def _carries_delete(stream: Stream, event: Event) -> bool:
    if stream.name == "user":
        return True
    if stream.name == "direct":
        return event.visibility == Visibility.DIRECT.value
    return event.visibility == Visibility.PUBLIC.value and stream.name != "list"


async def _delete_messages(
    session: AsyncSession, event: Event, viewer_id: int | None, streams: Iterable[Stream]
) -> list[Message]:
    wanted = [s for s in streams if _carries_delete(s, event)]
    if not wanted or not await _may_have_seen(session, event, viewer_id):
        return []
    return [Message(stream, DELETE, str(event.id)) for stream in wanted]


async def _notification_messages(
    session: AsyncSession, uris: LocalURIs, event: Event, viewer_id: int | None, streams: Iterable[Stream]
) -> list[Message]:
    wanted = [s for s in streams if s.name in NOTIFIED_STREAMS]
    if not wanted or viewer_id is None or event.actor_id != viewer_id:
        return []
    row = await session.scalar(visible_notifications(viewer_id).where(Notification.id == event.id))
    if row is None:
        return []
    rendered = await notifications_json(session, uris, [row], viewer_id)
    if not rendered:
        return []
    payload = json.dumps(rendered[0])
    return [Message(stream, NOTIFICATION, payload) for stream in wanted]


async def messages_for(
    session: AsyncSession, uris: LocalURIs, event: Event, viewer_id: int | None, streams: Iterable[Stream]
) -> list[Message]:
    """What the reader `viewer_id` (None: anonymous) receives of `event` on the streams they read."""
    if event.kind == NOTIFICATION:
        return await _notification_messages(session, uris, event, viewer_id, streams)
    if event.kind == DELETE:
        return await _delete_messages(session, event, viewer_id, streams)
    return await _status_messages(session, uris, event, viewer_id, streams)
