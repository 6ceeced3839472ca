"""Notification policies (Mastodon 4.3): whether a new notification is accepted, filtered or dropped.

Each rule of a person's policy names a kind of sender — one they do not follow, one not following
them (or since less than 3 days), an account younger than 30 days, the author of a private mention
from someone they do not follow that answers nothing of theirs — and what becomes of its
notifications: `accept` (as usual), `filter` (stored but shown in no list, stream or push, gathered in
a notification request per sender) or `drop` (not stored). When several rules match, the strictest
wins. Only the types Mastodon lets filter are concerned (not polls, edits or moves), and a sender
with a stored permission (a request accepted, or the sender followed since) always passes.

`for_limited_accounts` is stored and shown, but accounts on a silenced server are already heard
only by their followers (actors/visibility.py `heard_from`), so their notifications never reach
the policy.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import ColumnElement, Select, and_, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import (
    Actor,
    Follow,
    Notification,
    NotificationPermission,
    NotificationPolicy,
    NotificationRequest,
    NotificationType,
    Status,
    Visibility,
)
from essaim.actors.models.base import utcnow

ACCEPT, FILTER, DROP = "accept", "filter", "drop"
ACTIONS = (ACCEPT, FILTER, DROP)  # from the mildest to the strictest
RULES = ("for_not_following", "for_not_followers", "for_new_accounts", "for_private_mentions", "for_limited_accounts")
# Mastodon filters strangers' private mentions by default; inside a company, colleagues write to each other
# without following first (the point of an enterprise network), so Essaim accepts them unless one asks.
DEFAULTS = {rule: ACCEPT for rule in RULES} | {"for_limited_accounts": FILTER}
FILTERABLE = frozenset(
    t.value
    for t in (
        NotificationType.MENTION,
        NotificationType.STATUS,
        NotificationType.REBLOG,
        NotificationType.FOLLOW,
        NotificationType.FOLLOW_REQUEST,
        NotificationType.FAVOURITE,
    )
)
NEW_ACCOUNT = timedelta(days=30)
NEW_FOLLOWER = timedelta(days=3)
MAX_MEANINGFUL_COUNT = 100  # Mastodon's cap on the pending requests the summary counts


async def policy_of(session: AsyncSession, actor_id: int) -> dict[str, str]:
    """The person's policy, rule by rule (the defaults without a stored row)."""
    row = await session.get(NotificationPolicy, actor_id)
    return dict(DEFAULTS) if row is None else {rule: getattr(row, rule) for rule in RULES}


def _follows(follower: int, followee: int, *, before: object = None) -> ColumnElement[bool]:
    condition = and_(Follow.follower_id == follower, Follow.followee_id == followee, Follow.accepted.is_(True))
    return exists().where(condition if before is None else and_(condition, Follow.created_at <= before))


async def _private_mention_not_answering(session: AsyncSession, recipient_id: int, status_id: int | None) -> bool:
    """The post is a direct one that does not reply to a post of the recipient."""
    if status_id is None:
        return False
    parent = _parent_author(status_id)
    row = (await session.execute(select(Status.visibility, parent).where(Status.id == status_id))).first()
    return row is not None and row[0] == Visibility.DIRECT.value and row[1] != recipient_id


def _parent_author(status_id: int) -> ColumnElement[int | None]:
    """SQL: the author of the post `status_id` replies to (None for no parent)."""
    child = select(Status.in_reply_to_id).where(Status.id == status_id).scalar_subquery()
    return select(Status.actor_id).where(Status.id == child).scalar_subquery()


async def verdict(session: AsyncSession, recipient_id: int, sender_id: int, kind: str, status_id: int | None) -> str:
    """`accept`, `filter` or `drop`: what the recipient's policy makes of this notification."""
    if kind not in FILTERABLE:
        return ACCEPT
    policy = await policy_of(session, recipient_id)
    if all(policy[rule] == ACCEPT for rule in RULES):
        return ACCEPT
    permitted = exists().where(
        NotificationPermission.recipient_id == recipient_id, NotificationPermission.from_actor_id == sender_id
    )
    now = utcnow()
    facts = select(
        permitted,
        _follows(recipient_id, sender_id),
        _follows(sender_id, recipient_id, before=now - NEW_FOLLOWER),
        select(Actor.published > now - NEW_ACCOUNT).where(Actor.id == sender_id).scalar_subquery(),
    )
    allowed, following, follower, new_account = (await session.execute(facts)).one()
    if allowed:
        return ACCEPT
    matched = [
        policy["for_not_following"] if not following else ACCEPT,
        policy["for_not_followers"] if not follower else ACCEPT,
        policy["for_new_accounts"] if new_account else ACCEPT,
    ]
    if kind == NotificationType.MENTION and not following and policy["for_private_mentions"] != ACCEPT:
        if await _private_mention_not_answering(session, recipient_id, status_id):
            matched.append(policy["for_private_mentions"])
    return max(matched, key=ACTIONS.index)


def pending_requests(recipient_id: int, shown: Select[Notification]) -> Select[NotificationRequest, int]:
    """The recipient's requests with how many of `shown` (their filtered notifications a reader may see) each holds;
    requests holding none are left out."""
    held = shown.where(Notification.filtered.is_(True)).subquery()
    count = func.count(held.c.id)
    return (
        select(NotificationRequest, count.label("held"))
        .join(held, held.c.from_actor_id == NotificationRequest.from_actor_id)
        .where(NotificationRequest.recipient_id == recipient_id)
        .group_by(NotificationRequest.id)
        .having(count > 0)
    )


async def summary(session: AsyncSession, recipient_id: int, shown: Select[Notification]) -> dict[str, int]:
    """Mastodon's policy `summary`: pending requests (at most 100) and the notifications they hold."""
    requests = pending_requests(recipient_id, shown).limit(MAX_MEANINGFUL_COUNT).subquery()
    counted = select(func.count(), func.coalesce(func.sum(requests.c.held), 0)).select_from(requests)
    pending, notifications = (await session.execute(counted)).one()
    return {"pending_requests_count": int(pending), "pending_notifications_count": int(notifications)}
