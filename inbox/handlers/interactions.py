"""Inbound Like, Announce and their Undo: favourites and boosts by remote actors.

A favourite needs a local post the sender may read; a boost needs a public or unlisted post
(boosting anything narrower would show it to the booster's followers); only the actor who
favourited or boosted can take it back. Refusals are logged and store nothing (posts.py).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.feeds import fan_out, notify
from essaim.actors.models import Actor, Favourite, Notification, NotificationType, Status, Visibility
from essaim.actors.visibility import PUBLIC_VISIBILITIES, visible_status
from essaim.federation.parse_common import parse_timestamp
from essaim.federation.parse_note import addresses, visibility_of
from essaim.federation.vocab import id_of
from essaim.ids import new_id
from essaim.inbox.dispatch import InboxContext, handles
from essaim.inbox.handlers.posts import from_sender, ignore, is_local, refuse
from essaim.inbox.remote_posts import status_by_uri
from essaim.outbox.actions import insert_ignoring_duplicates

# --- Like ----------------------------------------------------------------------------------------------


@handles("Like")
async def like(ctx: InboxContext) -> bool:
    """A favourite of a local post the sender may read; its author is notified. Likes of others' posts are ignored."""
    session = ctx.session
    target = id_of(ctx.activity.get("object"))
    status = await status_by_uri(session, target)
    author = await session.get(Actor, status.actor_id) if status is not None else None
    if status is None or author is None or author.domain is not None or status.reblog_of_id is not None:
        return ignore(ctx, f"{target} is not a local post")
    if await visible_status(session, status.id, ctx.sender.id) is None:
        return refuse(ctx, f"the sender may not read {target}")
    inserted = await insert_ignoring_duplicates(
        session,
        Favourite,
        id=new_id(),
        actor_id=ctx.sender.id,
        status_id=status.id,
        uri=str(ctx.activity["id"]),
        created_at=ctx.now,
    )
    if inserted:
        await notify(
            session,
            recipient=author,
            sender_id=ctx.sender.id,
            kind=NotificationType.FAVOURITE.value,
            status_id=status.id,
        )
    return True


# --- Announce ------------------------------------------------------------------------------------------


@handles("Announce")
async def announce(ctx: InboxContext) -> bool:
    """A boost of a public or unlisted post we have: it reaches the booster's local followers."""
    session = ctx.session
    activity_id = str(ctx.activity["id"])
    if is_local(ctx, activity_id) or not from_sender(ctx, activity_id):
        return refuse(ctx, "the boost's id is not on the sender's server")
    original = await status_by_uri(session, id_of(ctx.activity.get("object")))
    if original is None:
        return ignore(ctx, "a boost of a post we do not have")
    if original.reblog_of_id is not None:
        return refuse(ctx, "a boost of a boost")
    if original.visibility not in PUBLIC_VISIBILITIES:
        return refuse(ctx, f"{original.uri} is {original.visibility}: boosting it would widen its audience")
    if await visible_status(session, original.id, ctx.sender.id) is None:
        return refuse(ctx, f"the sender may not read {original.uri}")
    visibility = visibility_of(
        addresses(ctx.activity.get("to")), addresses(ctx.activity.get("cc")), ctx.sender.followers_uri
    )
    if visibility == Visibility.DIRECT.value:
        return refuse(ctx, "a boost addressed to no followers")
    if await session.scalar(
        select(Status.id).where(
            (Status.uri == activity_id) | ((Status.actor_id == ctx.sender.id) & (Status.reblog_of_id == original.id))
        )
    ):
        return ignore(ctx, "the boost is stored already")
    boost = Status(
        id=new_id(),
        actor_id=ctx.sender.id,
        uri=activity_id,
        visibility=visibility,
        content="",
        reblog_of_id=original.id,
        published=min(parse_timestamp(ctx.activity.get("published")) or ctx.now, ctx.now),
    )
    session.add(boost)
    await session.flush()
    await fan_out(session, boost)
    author = await session.get(Actor, original.actor_id)
    assert author is not None
    await notify(
        session, recipient=author, sender_id=ctx.sender.id, kind=NotificationType.REBLOG.value, status_id=original.id
    )
    return True


# --- Undo{Like}, Undo{Announce} ------------------------------------------------------------------------


async def _withdraw(session: AsyncSession, kind: NotificationType, sender: Actor, status_id: int) -> None:
    await session.execute(
        delete(Notification).where(
            Notification.type == kind.value,
            Notification.from_actor_id == sender.id,
            Notification.status_id == status_id,
        )
    )


@handles("Undo")
async def undo(ctx: InboxContext) -> bool:
    """Take back a favourite or a boost, found by the id of the Like or Announce; only its author may."""
    inner = ctx.activity.get("object")
    inner_id = id_of(inner)
    inner_type = inner.get("type") if isinstance(inner, Mapping) else None
    if inner_id is None or inner_type not in (None, "Like", "Announce"):
        return False
    session = ctx.session
    if inner_type in (None, "Like"):
        favourite = await session.scalar(select(Favourite).where(Favourite.uri == inner_id))
        if favourite is None and isinstance(inner, Mapping):  # a Like stored before we kept its id
            status = await status_by_uri(session, id_of(inner.get("object")))
            if status is not None:
                favourite = await session.scalar(
                    select(Favourite).where(Favourite.actor_id == ctx.sender.id, Favourite.status_id == status.id)
                )
        if favourite is not None:
            if favourite.actor_id != ctx.sender.id:
                return refuse(ctx, f"{inner_id} is another actor's favourite")
            await session.delete(favourite)
            await _withdraw(session, NotificationType.FAVOURITE, ctx.sender, favourite.status_id)
            return True
    if inner_type in (None, "Announce"):
        boost = await session.scalar(select(Status).where(Status.uri == inner_id, Status.reblog_of_id.is_not(None)))
        if boost is not None:
            if boost.actor_id != ctx.sender.id:
                return refuse(ctx, f"{inner_id} is another actor's boost")
            original_id = boost.reblog_of_id
            await session.delete(boost)
            if original_id is not None:
                await _withdraw(session, NotificationType.REBLOG, ctx.sender, original_id)
            return True
    return False if inner_type is None else ignore(ctx, f"no {inner_type} {inner_id} here")
