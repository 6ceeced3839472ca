"""A person's notification policy and their notification requests: change the policy, accept or dismiss requests.

Accepting a request stores a permission (that sender's notifications are never filtered again), lets
its filtered notifications into the lists and announces `notifications_merged` to the person's streams
at commit; following the sender does the same to a pending request. Dismissing deletes the request
and the notifications it held (a later notification from that sender opens a new one). Another
person's request is not found, never forbidden.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import ColumnElement, and_, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.events import NOTIFICATIONS_MERGED, Event, announce
from essaim.actors.models import Notification, NotificationPermission, NotificationPolicy, NotificationRequest
from essaim.actors.notification_policy import ACTIONS, DEFAULTS, RULES
from essaim.outbox.actions import Invalid, NotFound, insert_ignoring_duplicates


def check_policy(changes: Mapping[str, str]) -> dict[str, str]:
    """The rules to change, each `accept`, `filter` or `drop`; Invalid names the first bad one."""
    for rule, value in changes.items():
        if rule not in RULES or value not in ACTIONS:
            raise Invalid(f"{rule} must be one of {', '.join(ACTIONS)}")
    return dict(changes)


async def do_update_policy(session: AsyncSession, actor_id: int, changes: Mapping[str, str]) -> None:
    """Change some rules of the person's policy (the others keep their value, or the default)."""
    changes = check_policy(changes)
    row = await session.get(NotificationPolicy, actor_id)
    if row is None:
        row = NotificationPolicy(actor_id=actor_id, **DEFAULTS)
        session.add(row)
    for rule, value in changes.items():
        setattr(row, rule, value)
    await session.flush()


async def owned_requests(session: AsyncSession, recipient_id: int, ids: Sequence[int]) -> list[NotificationRequest]:
    """The recipient's requests among `ids` (others' are left out)."""
    query = select(NotificationRequest).where(
        NotificationRequest.recipient_id == recipient_id, NotificationRequest.id.in_(ids)
    )
    return list((await session.scalars(query)).all())


async def owned_request(session: AsyncSession, recipient_id: int, request_id: int) -> NotificationRequest:
    """The recipient's request `request_id`, else NotFound."""
    found = await owned_requests(session, recipient_id, [request_id])
    if not found:
        raise NotFound()
    return found[0]


def _held(request: NotificationRequest) -> ColumnElement[bool]:
    """SQL: the filtered notifications the request holds."""
    return and_(
        Notification.recipient_id == request.recipient_id,
        Notification.from_actor_id == request.from_actor_id,
        Notification.filtered.is_(True),
    )


async def do_accept(session: AsyncSession, request: NotificationRequest) -> None:
    """Let the request's sender through from now on, and its filtered notifications into the lists."""
    sender = {"recipient_id": request.recipient_id, "from_actor_id": request.from_actor_id}
    await insert_ignoring_duplicates(session, NotificationPermission, **sender)
    await session.execute(update(Notification).where(_held(request)).values(filtered=False))
    await session.delete(request)
    announce(session, Event(NOTIFICATIONS_MERGED, request.recipient_id, request.recipient_id))


async def do_dismiss(session: AsyncSession, request: NotificationRequest) -> None:
    """Drop the request and the filtered notifications it held."""
    await session.execute(delete(Notification).where(_held(request)))
    await session.delete(request)


async def accept_from(session: AsyncSession, recipient_id: int, sender_id: int) -> None:
    """The recipient now follows the sender: a pending request from them is accepted."""
    request = await session.scalar(
        select(NotificationRequest).filter_by(recipient_id=recipient_id, from_actor_id=sender_id)
    )
    if request is not None:
        await do_accept(session, request)
