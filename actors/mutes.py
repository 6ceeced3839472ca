"""What a mute hides, as SQL: the one rule every timeline, thread and notification read applies.

A mute is in force until its `expires_at` (None: until lifted); an expired row is ignored on read
at once and deleted later by the scheduler's sweep, so expiry never waits for the sweep. As on
Mastodon, a mute hides the muted account's posts and boosts, and boosts of their posts, from the
muter's home, list, public and hashtag timelines and from threads' replies (home and list
timelines also leave out posts mentioning them); with `notifications`
it hides their notifications too (mentions and direct messages included). Nothing is deleted:
a muted account's post, direct messages included, stays readable by its id, and everything
comes back when the mute ends.

A personal domain block (`AccountDomainBlock`) counts as a mute, notifications included, of every
account on the servers it covers (actors/domain_blocks.py's `covered_by` rule), so every read path
that honours mutes honours it too. A conversation mute (`ConversationMute`) hides only notifications
about posts in that thread (`in_muted_thread`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BindParameter, ColumnElement, and_, bindparam, exists, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, aliased

from essaim.actors.domain_blocks import covered_by
from essaim.actors.models import AccountDomainBlock, Actor, ConversationMute, Mention, Mute, Status
from essaim.actors.models.base import utcnow
from essaim.actors.visibility import ActorId


def in_force() -> ColumnElement[bool]:
    """SQL on `Mute`: the mute has not expired. The time is taken when the statement runs, not when it is
    built, so statements built once (timelines.py's home query) stay right."""
    # Typed by the comparison (UTCDateTime); unique, as one statement may hold several.
    now: BindParameter[datetime] = bindparam("mute_now", callable_=utcnow, unique=True)
    return or_(Mute.expires_at.is_(None), Mute.expires_at > now)


def domain_blocking(viewer: ActorId, actor: ActorId) -> ColumnElement[bool]:
    """SQL: `viewer` has blocked the server `actor` lives on (local actors are never covered)."""
    author = aliased(Actor)
    return exists().where(
        author.id == actor,
        AccountDomainBlock.actor_id == viewer,
        covered_by(author.domain, AccountDomainBlock.domain),
    )


def muting(viewer: ActorId, actor: ActorId) -> ColumnElement[bool]:
    """SQL: `viewer` mutes `actor` now, or blocks their server."""
    muted = exists().where(Mute.actor_id == viewer, Mute.target_id == actor, in_force())
    return or_(muted, domain_blocking(viewer, actor))


def muting_notifications(viewer: ActorId, actor: ActorId) -> ColumnElement[bool]:
    """SQL: `viewer` mutes `actor` now, notifications included, or blocks their server."""
    muted = exists().where(Mute.actor_id == viewer, Mute.target_id == actor, Mute.notifications.is_(True), in_force())
    return or_(muted, domain_blocking(viewer, actor))


StatusId = int | ColumnElement[int | None] | InstrumentedAttribute[int] | InstrumentedAttribute[int | None]


def in_muted_thread(viewer_id: ActorId, status_id: StatusId) -> ColumnElement[bool]:
    """SQL: the post `status_id` belongs to a thread `viewer_id` muted (its root or any reply below it)."""
    start = select(ConversationMute.root_id.label("id")).where(ConversationMute.actor_id == viewer_id)
    thread = start.cte("muted_thread", recursive=True)
    reply = aliased(Status)
    thread = thread.union(select(reply.id).where(reply.in_reply_to_id == thread.c.id))
    return exists().where(thread.c.id == status_id)


def notification_muted(recipient_id: int, sender: ActorId, status_id: StatusId | None) -> ColumnElement[bool]:
    """SQL: the recipient muted what a notification is about: its sender (notifications included, or the
    sender's server) or the thread of its post. Reading notifications and queueing Web Pushes share it."""
    muted = muting_notifications(recipient_id, sender)
    return muted if status_id is None else or_(muted, in_muted_thread(recipient_id, status_id))


def unmuted_for(viewer_id: ActorId | None) -> ColumnElement[bool]:
    """A WHERE clause on `Status`: neither its author nor, for a boost, the boosted post's author is muted
    by `viewer_id` (anyone for None). A viewer's own posts always pass."""
    if viewer_id is None:
        return true()
    original = aliased(Status)
    boosted_muted = exists().where(original.id == Status.reblog_of_id, muting(viewer_id, original.actor_id))
    return or_(Status.actor_id == viewer_id, and_(~muting(viewer_id, Status.actor_id), ~boosted_muted))


def unmuted_home_for(viewer_id: ActorId) -> ColumnElement[bool]:
    """`unmuted_for`, and for home and list timelines (Mastodon's home filter) also no post, or boosted post,
    that mentions someone the viewer mutes."""
    mentions_muted = exists().where(
        or_(Mention.status_id == Status.id, Mention.status_id == Status.reblog_of_id),
        muting(viewer_id, Mention.actor_id),
    )
    return and_(unmuted_for(viewer_id), or_(Status.actor_id == viewer_id, ~mentions_muted))


def expired(now: datetime) -> ColumnElement[bool]:
    """A WHERE clause on `Mute`: rows whose time is up at `now` (for the sweep)."""
    return and_(Mute.expires_at.is_not(None), Mute.expires_at <= now)
