"""Which of a reader's streams an event belongs on, and its payload rendered for that reader.

Decided at delivery, per reader, with the same rules as the timelines they stand for: `user` carries
posts in the reader's home timeline (the home feed, less members of their exclusive lists), `list` the
posts its owner's list timeline shows (essaim.actors.lists), `public*` and `hashtag*` what the public
and tag timelines show the reader (essaim.web.api.v1.timelines.public_posts); the reader's mutes leave
posts out as on those timelines (essaim.actors.mutes). Every post passes `visible_to` for the reader, so
a followers-only post never reaches a non-follower and a blocked author's posts never reach the blocker.
Posts are rendered as the REST timelines render them (essaim.web.api.render), hydrated once per event
for all readers (web/streaming/shared.py) and marked for each (their favourites, boosts, bookmarks,
votes), with the reader's filters of the timeline's context: `hide` drops the event, `warn` marks the
post `filtered`. `direct` carries, for a new direct post, the reader's conversation it entered
(`conversation`, as /api/v1/conversations shows it). Notifications go to their recipient's `user` and
`user:notification` streams, if the notifications API would list them (never a filtered one); accepted
notification requests are `notifications_merged` there too; a change of the reader's filters is
`filters_changed` on their `user` stream. Deletes carry only an id: they go where the post could have
been seen (see `_may_have_seen`). Announcements are every local person's: a published one
(`announcement`, the entity as /api/v1/announcements shows it to the reader), a removed one
(`announcement.delete`, its id) and a changed reaction count (`announcement.reaction`) go on every
`user` stream, as Mastodon sends them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import BigInteger, ColumnElement, Select, and_, bindparam, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.community_lists import in_community_list
from essaim.actors.conversations import listed
from essaim.actors.events import (
    ANNOUNCEMENT,
    ANNOUNCEMENT_DELETE,
    ANNOUNCEMENT_REACTION,
    DELETE,
    FILTERS_CHANGED,
    NOTIFICATION,
    NOTIFICATIONS_MERGED,
    UPDATE,
    Event,
)
from essaim.actors.hydrate import with_viewer_marks
from essaim.actors.lists import exclusively_listed, list_posts
from essaim.actors.models import (
    Conversation,
    ConversationStatus,
    Follow,
    HomeFeedEntry,
    List,
    Notification,
    Status,
    Visibility,
)
from essaim.actors.mutes import unmuted_home_for
from essaim.actors.visibility import PUBLIC_VISIBILITIES, visible_to
from essaim.uris import LocalURIs
from essaim.web.api.render import render_loaded
from essaim.web.api.v1.announcements import announcement_for, reaction_count
from essaim.web.api.v1.conversations import conversations_json
from essaim.web.api.v1.notifications import notifications_json, visible_notifications
from essaim.web.api.v1.timelines import has_tag, public_posts
from essaim.web.streaming.shared import SharedPosts
from essaim.web.streaming.streams import PUBLIC_STREAMS, Stream

NOTIFIED_STREAMS = ("user", "user:notification")
CONVERSATION = "conversation"


@dataclass(frozen=True)
class Message:
    """One event on one stream, as Mastodon sends it: `payload` is a JSON string (a bare id for deletes),
    None for events without one (`filters_changed`)."""

    stream: Stream
    event: str
    payload: str | None


# Built once, as the home timeline's query (timelines.py): every `user` stream runs it for every post.
_READER, _POST = bindparam("reader", type_=BigInteger), bindparam("post", type_=BigInteger)
_IN_HOME = select(Status.id).where(
    Status.id == _POST,
    exists().where(HomeFeedEntry.owner_id == _READER, HomeFeedEntry.status_id == Status.id),
    visible_to(_READER),
    unmuted_home_for(_READER),
    ~exclusively_listed(_READER),
)


def _shows(stream: Stream, viewer_id: int | None) -> ColumnElement[bool] | None:
    """SQL on `Status`: the post belongs on this stream for this reader (None: never)."""
    if stream.name == "direct" and viewer_id is not None:
        return and_(Status.visibility == Visibility.DIRECT.value, visible_to(viewer_id))
    if stream.name.startswith("public") or stream.name.startswith("hashtag"):
        shown = public_posts(viewer_id, local=stream.local, remote=stream.remote, only_media=stream.only_media)
        return and_(shown, has_tag([stream.tag])) if stream.tag else shown
    return None


def _shown(stream: Stream, viewer_id: int | None, status_id: int) -> Select[int] | None:
    """The post's id if it belongs on this stream for this reader (None: it never does)."""
    if stream.name == "list":  # as the list timeline (web/api/v1/timelines.list_timeline)
        if viewer_id is None:
            return None
        list_id = int(stream.list_id)
        in_list = list_posts().where(List.id == list_id, Status.id == status_id).with_only_columns(Status.id)
        in_either = or_(Status.id.in_(in_list), in_community_list(viewer_id, list_id))  # a list or a community's
        return select(Status.id).where(
            Status.id == status_id, in_either, visible_to(viewer_id), unmuted_home_for(viewer_id)
        )
    if stream.name == "user":
        return None if viewer_id is None else _IN_HOME.params(reader=viewer_id, post=status_id)
    rule = _shows(stream, viewer_id)
    return None if rule is None else select(Status.id).where(Status.id == status_id, rule)


def _filter_context(stream: Stream) -> str | None:
    """The filter context of the timeline a stream stands for (the direct timeline is not filtered)."""
    if stream.name in ("user", "list"):
        return "home"
    return "public" if stream.name in PUBLIC_STREAMS else None


async def _status_messages(
    session: AsyncSession,
    shared: SharedPosts,
    uris: LocalURIs,
    event: Event,
    viewer_id: int | None,
    streams: Iterable[Stream],
) -> list[Message]:
    by_context: dict[str | None, list[Stream]] = defaultdict(list)
    for stream in streams:
        query = _shown(stream, viewer_id, event.id)
        if query is not None and await session.scalar(query) is not None:
            by_context[_filter_context(stream)].append(stream)
    page = await shared.of(session, event) if by_context else []
    if not page:  # on no stream, or deleted since
        return []
    if viewer_id is not None:
        page = await with_viewer_marks(session, page, viewer_id)
    found = []
    for context, matched in by_context.items():
        rendered = await render_loaded(session, uris, page, viewer_id, context)
        if rendered:  # else a `hide` filter of the reader's matched
            payload = json.dumps(rendered[0])
            found += [Message(stream, event.kind, payload) for stream in matched]
    return found


async def _conversation_messages(
    session: AsyncSession, uris: LocalURIs, event: Event, viewer_id: int | None, streams: Iterable[Stream]
) -> list[Message]:
    """A new direct post: the reader's conversation it entered, if any (only the people it reached have one)."""
    wanted = [s for s in streams if s.name == "direct"]
    if not wanted or viewer_id is None:
        return []
    entered = select(ConversationStatus.conversation_id).where(ConversationStatus.status_id == event.id)
    conversation = await session.scalar(listed(viewer_id).where(Conversation.id.in_(entered)))
    if conversation is None:
        return []
    rendered = await conversations_json(session, uris, [conversation], viewer_id)
    if not rendered:
        return []
    payload = json.dumps(rendered[0])
    return [Message(stream, CONVERSATION, payload) for stream in wanted]


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
    if stream.name in ("user", "list"):
        return True
    if stream.name == "direct":
        return event.visibility == Visibility.DIRECT.value
    return event.visibility == Visibility.PUBLIC.value


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


# Events about the reader alone: the streams that carry them and their payload (Mastodon's).
PERSONAL = {FILTERS_CHANGED: (("user",), None), NOTIFICATIONS_MERGED: (NOTIFIED_STREAMS, "1")}


def _personal_messages(event: Event, viewer_id: int | None, streams: Iterable[Stream]) -> list[Message]:
    if viewer_id is None or event.actor_id != viewer_id:
        return []
    names, payload = PERSONAL[event.kind]
    return [Message(stream, event.kind, payload) for stream in streams if stream.name in names]


async def _announcement_payload(session: AsyncSession, event: Event, viewer_id: int) -> str | None:
    if event.kind == ANNOUNCEMENT_DELETE:
        return str(event.id)
    if event.kind == ANNOUNCEMENT_REACTION:
        count = await reaction_count(session, event.id, event.name)
        return json.dumps({"name": event.name, "count": count, "announcement_id": str(event.id)})
    shown = await announcement_for(session, event.id, viewer_id)
    return None if shown is None else json.dumps(shown)


async def _announcement_messages(
    session: AsyncSession, event: Event, viewer_id: int | None, streams: Iterable[Stream]
) -> list[Message]:
    wanted = [s for s in streams if s.name == "user"]
    if not wanted or viewer_id is None:
        return []
    payload = await _announcement_payload(session, event, viewer_id)
    return [] if payload is None else [Message(stream, event.kind, payload) for stream in wanted]


ANNOUNCEMENTS = frozenset((ANNOUNCEMENT, ANNOUNCEMENT_REACTION, ANNOUNCEMENT_DELETE))


async def messages_for(
    session: AsyncSession,
    shared: SharedPosts,
    uris: LocalURIs,
    event: Event,
    viewer_id: int | None,
    streams: Iterable[Stream],
) -> list[Message]:
    """What the reader `viewer_id` (None: anonymous) receives of `event` on the streams they read; the
    post itself is hydrated once for all readers (`shared`), their marks and filters applied here."""
    streams = list(streams)
    if event.kind in PERSONAL:
        return _personal_messages(event, viewer_id, streams)
    if event.kind in ANNOUNCEMENTS:
        return await _announcement_messages(session, event, viewer_id, streams)
    if event.kind == DELETE:
        return await _delete_messages(session, event, viewer_id, streams)
    if event.kind == NOTIFICATION:
        return await _notification_messages(session, uris, event, viewer_id, streams)
    if event.kind == UPDATE:  # a new post: its conversation on `direct`, the post itself elsewhere
        others = [s for s in streams if s.name != "direct"]
        found = await _status_messages(session, shared, uris, event, viewer_id, others)
        return found + await _conversation_messages(session, uris, event, viewer_id, streams)
    return await _status_messages(session, shared, uris, event, viewer_id, streams)
