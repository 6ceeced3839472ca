"""Put a new post where it must appear: home feeds (fan-out on write) and notifications.

Called inside the transaction that creates the post, so a post and its feed entries and
notifications are committed together or not at all. Only local actors have feeds and
notifications; remote ones are reached by federation. Nobody gets a feed entry or a
notification from someone they may not hear from (`visibility.heard_from`: a block either way,
or an author on a silenced or suspended server they do not follow).
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import BigInteger, BindParameter, Insert, Select, and_, bindparam, insert, or_, select, union, update
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.conversations import add_to_conversations
from essaim.actors.models import (
    Actor,
    Follow,
    HomeFeedEntry,
    Mention,
    Notification,
    NotificationRequest,
    Status,
    StatusTag,
    TagFollow,
    Visibility,
)
from essaim.actors.models.base import utcnow
from essaim.actors.notification_policy import DROP, FILTER, verdict
from essaim.actors.push import queue_pushes
from essaim.actors.visibility import heard_from, hears_from
from essaim.actors.writes import insert_ignoring_duplicates
from essaim.ids import new_id


async def fan_out(session: AsyncSession, status: Status) -> None:
    """Home feeds of a local author, of local followers (unless direct), of local people following one of
    a public post's hashtags (as Mastodon, public posts only) and of local mentioned actors; a direct post
    also goes into their conversations. A post in a community goes to its local members (the Group's
    followers); a members-only one not to the author's followers.

    Remote actors have no home feed here: a row for a remote author would never be read.
    """
    visibility = status.visibility
    followed = [status.actor_id]
    if status.community_id is not None:  # its members; and a members-only post is for nobody else
        followed = [status.community_id, *([] if visibility == Visibility.PRIVATE.value else followed)]
    statement = _fan_out_statement(
        followers=visibility != Visibility.DIRECT.value, tag_followers=visibility == Visibility.PUBLIC.value
    )
    await session.execute(statement, {"status_id": status.id, "author_id": status.actor_id, "followed": followed})
    await add_to_conversations(session, status)


@cache
def _fan_out_statement(*, followers: bool, tag_followers: bool) -> Insert:
    """The home-feed insert for one kind of audience, built once (building it costs more than running it)."""
    status_id, author_id = bindparam("status_id", type_=BigInteger), bindparam("author_id", type_=BigInteger)
    author = select(Actor.id.label("owner_id")).where(Actor.id == author_id, Actor.domain.is_(None))
    owners: list[Select[int]] = [author]
    if followers:
        following = select(Follow.follower_id.label("owner_id")).join(Actor, Actor.id == Follow.follower_id)
        followed: BindParameter[list[int]] = bindparam("followed", expanding=True)  # author, community or both
        accepted = and_(Follow.followee_id.in_(followed), Follow.accepted.is_(True))
        owners.append(following.where(accepted, Actor.domain.is_(None)))
    if tag_followers:
        following_tag = select(TagFollow.actor_id.label("owner_id")).join(Actor, Actor.id == TagFollow.actor_id)
        tagged = select(StatusTag.tag_id).where(StatusTag.status_id == status_id)
        owners.append(following_tag.where(TagFollow.tag_id.in_(tagged), Actor.domain.is_(None)))
    mentioned = select(Mention.actor_id.label("owner_id")).join(Actor, Actor.id == Mention.actor_id)
    owners.append(mentioned.where(Mention.status_id == status_id, Actor.domain.is_(None)))
    everyone = union(*owners).subquery()
    hearing = or_(everyone.c.owner_id == author_id, heard_from(everyone.c.owner_id, author_id))
    rows = select(everyone.c.owner_id, status_id).where(hearing)
    # "raw": the parameters are the statement's, not rows of an ORM bulk insert
    return insert(HomeFeedEntry).from_select(["owner_id", "status_id"], rows).execution_options(dml_strategy="raw")


async def notify(
    session: AsyncSession, *, recipient: Actor, sender_id: int, kind: str, status_id: int | None = None
) -> None:
    """Record a notification for a local recipient as their notification policy says (accepted, filtered or
    dropped); nobody is notified of their own actions, nor by someone they may not hear from."""
    if recipient.domain is not None or recipient.id == sender_id:
        return
    if not await hears_from(session, recipient.id, sender_id):
        return
    decided = await verdict(session, recipient.id, sender_id, kind, status_id)
    if decided == DROP:
        return
    await record_notification(
        session,
        recipient_id=recipient.id,
        sender_id=sender_id,
        kind=kind,
        status_id=status_id,
        filtered=decided == FILTER,
    )


async def record_notification(
    session: AsyncSession,
    *,
    recipient_id: int,
    sender_id: int,
    kind: str,
    status_id: int | None = None,
    filtered: bool = False,
) -> Notification:
    """Write a notification and queue its Web Pushes, or file it in the sender's notification request when
    `filtered` (no push, no stream): the one place notifications are created, unchecked."""
    notification = Notification(
        id=new_id(),
        recipient_id=recipient_id,
        from_actor_id=sender_id,
        type=kind,
        status_id=status_id,
        filtered=filtered,
    )
    session.add(notification)
    if filtered:
        await _file_request(session, recipient_id, sender_id)
    else:
        await queue_pushes(session, notification)
    return notification


async def _file_request(session: AsyncSession, recipient_id: int, sender_id: int) -> None:
    """The sender's request to the recipient, made if new, its `updated_at` moved to now."""
    values = {"recipient_id": recipient_id, "from_actor_id": sender_id}
    if not await insert_ignoring_duplicates(session, NotificationRequest, id=new_id(), **values):
        await session.execute(update(NotificationRequest).filter_by(**values).values(updated_at=utcnow()))
