"""Interacting with posts: favourite, boost, bookmark, pin, and their undo.

Each is idempotent as in Mastodon (doing it twice is not an error) and works only on posts
the person can read. A boost is a post of its own (`reblog_of_id`) that reaches the
booster's followers; only public and unlisted posts can be boosted, so a boost never
widens a post's audience. Undoing a favourite or a boost also withdraws its notification.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.feeds import fan_out, notify
from essaim.actors.models import (
    Actor,
    Bookmark,
    Favourite,
    Notification,
    NotificationType,
    Status,
    StatusPin,
    Visibility,
)
from essaim.actors.models.base import utcnow
from essaim.actors.visibility import PUBLIC_VISIBILITIES
from essaim.ids import new_id
from essaim.outbox import limits
from essaim.outbox.actions import (
    Invalid,
    LocalNode,
    author_of,
    insert_ignoring_duplicates,
    interaction_target,
    readable_status,
)
from essaim.outbox.federate_posts import (
    federate_favourite,
    federate_pin_change,
    federate_reblog,
    federate_unfavourite,
    federate_unreblog,
)

BOOST_VISIBILITIES = (Visibility.PUBLIC.value, Visibility.UNLISTED.value, Visibility.PRIVATE.value)


async def _withdraw_notification(session: AsyncSession, kind: NotificationType, sender_id: int, status: Status) -> None:
    await session.execute(
        delete(Notification).where(
            Notification.type == kind.value,
            Notification.from_actor_id == sender_id,
            Notification.status_id == status.id,
            Notification.recipient_id == status.actor_id,
        )
    )


# --- favourites ----------------------------------------------------------------------------------------


async def do_favourite(session: AsyncSession, actor: Actor, status: Status) -> None:
    if await insert_ignoring_duplicates(
        session, Favourite, id=new_id(), actor_id=actor.id, status_id=status.id, created_at=utcnow()
    ):
        author = await author_of(session, status)
        await notify(
            session, recipient=author, sender_id=actor.id, kind=NotificationType.FAVOURITE.value, status_id=status.id
        )
        await federate_favourite(session, actor, status)


async def do_unfavourite(session: AsyncSession, actor: Actor, status: Status) -> None:
    await federate_unfavourite(session, actor, status)
    await session.execute(delete(Favourite).where(Favourite.actor_id == actor.id, Favourite.status_id == status.id))
    await _withdraw_notification(session, NotificationType.FAVOURITE, actor.id, status)


# --- bookmarks -----------------------------------------------------------------------------------------


async def do_bookmark(session: AsyncSession, actor: Actor, status: Status) -> None:
    await insert_ignoring_duplicates(
        session, Bookmark, id=new_id(), actor_id=actor.id, status_id=status.id, created_at=utcnow()
    )


async def do_unbookmark(session: AsyncSession, actor: Actor, status: Status) -> None:
    await session.execute(delete(Bookmark).where(Bookmark.actor_id == actor.id, Bookmark.status_id == status.id))


# --- boosts --------------------------------------------------------------------------------------------


async def check_reblog(
    session: AsyncSession, actor: Actor, status_id: int, visibility: str | None
) -> tuple[Status, str]:
    """The post to boost (a boost of a boost boosts the original) and the boost's own visibility."""
    original = await interaction_target(session, status_id, actor.id)
    if original.visibility not in PUBLIC_VISIBILITIES:
        raise Invalid("Followers-only and direct posts cannot be boosted")
    visibility = visibility or Visibility.PUBLIC.value
    if visibility not in BOOST_VISIBILITIES:
        raise Invalid(f"A boost's visibility must be one of {', '.join(BOOST_VISIBILITIES)}")
    return original, visibility


async def do_reblog(
    session: AsyncSession, actor: Actor, original: Status, visibility: str, node: LocalNode, application_id: int | None
) -> Status:
    """The actor's boost of `original`: the existing one, or a new post that reaches their followers' feeds."""
    existing = await session.scalar(
        select(Status).where(Status.actor_id == actor.id, Status.reblog_of_id == original.id)
    )
    if existing is not None:
        return existing
    boost_id = new_id()
    boost = Status(
        id=boost_id,
        actor_id=actor.id,
        uri=node.uris.status(actor.id, boost_id),
        visibility=visibility,
        content="",
        reblog_of_id=original.id,
        application_id=application_id,
        published=utcnow(),
    )
    session.add(boost)
    await session.flush()
    await fan_out(session, boost)
    author = await author_of(session, original)
    await notify(
        session, recipient=author, sender_id=actor.id, kind=NotificationType.REBLOG.value, status_id=original.id
    )
    await federate_reblog(session, actor, boost, original)
    return boost


async def check_unreblog(session: AsyncSession, actor: Actor, status_id: int) -> Status:
    return await interaction_target(session, status_id, actor.id)


async def do_unreblog(session: AsyncSession, actor: Actor, original: Status) -> None:
    await federate_unreblog(session, actor, original)
    for boost in await session.scalars(
        select(Status).where(Status.actor_id == actor.id, Status.reblog_of_id == original.id)
    ):  # one by one, so each boost's removal reaches live streams (essaim.actors.events)
        await session.delete(boost)
    await _withdraw_notification(session, NotificationType.REBLOG, actor.id, original)


# --- pins ----------------------------------------------------------------------------------------------


async def check_pin(session: AsyncSession, actor: Actor, status_id: int) -> Status:
    """Only one's own posts, not direct ones nor boosts (as Mastodon), at most `limits.MAX_PINNED` of them."""
    status = await readable_status(session, status_id, actor.id)
    if status.actor_id != actor.id:
        raise Invalid("Someone else's post cannot be pinned")
    if status.reblog_of_id is not None:
        raise Invalid("Boosts cannot be pinned")
    if status.visibility == Visibility.DIRECT.value:
        raise Invalid("Direct posts cannot be pinned")
    already = await session.scalar(
        select(StatusPin.id).where(StatusPin.actor_id == actor.id, StatusPin.status_id == status.id)
    )
    pinned = await session.scalar(select(func.count()).where(StatusPin.actor_id == actor.id))
    if already is None and (pinned or 0) >= limits.MAX_PINNED:
        raise Invalid("You have already pinned the maximum number of posts")
    return status


async def do_pin(session: AsyncSession, actor: Actor, status: Status) -> None:
    """Pin the post; its followers' servers are told (`Add` to the featured collection) the first time."""
    if await insert_ignoring_duplicates(
        session, StatusPin, id=new_id(), actor_id=actor.id, status_id=status.id, created_at=utcnow()
    ):
        await federate_pin_change(session, "Add", actor, status)


async def check_unpin(session: AsyncSession, actor: Actor, status_id: int) -> Status:
    return await readable_status(session, status_id, actor.id)


async def do_unpin(session: AsyncSession, actor: Actor, status: Status) -> None:
    await federate_pin_change(session, "Remove", actor, status)
    await session.execute(delete(StatusPin).where(StatusPin.actor_id == actor.id, StatusPin.status_id == status.id))
