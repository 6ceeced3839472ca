"""Web Push subscriptions' rules: their keys, alerts and policy, and which of them a new notification reaches.

A notification is written by `feeds.record_notification`, which calls `queue_pushes` in the same
transaction: one `push.deliver` job per subscription that wants it, so the push leaves only if the
notification is committed, and the request that caused it never waits for a push service. The
worker that sends them is `essaim.outbox.push_worker`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import and_, bindparam, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors import jobs
from essaim.actors.models import Account, Follow, Notification, OAuthToken, PushSubscription
from essaim.actors.mutes import notification_muted

# Mastodon's alert names, in its order; each is a notification type a subscription may ask for.
ALERTS = (
    "mention",
    "status",
    "reblog",
    "follow",
    "follow_request",
    "favourite",
    "poll",
    "update",
    "admin.sign_up",
    "admin.report",
)
POLICIES = ("all", "followed", "follower", "none")  # whose notifications are pushed
PUSH = "push.deliver"  # the job kind; its payload is {"subscription_id": …, "notification_id": …}
# Set in a session's `info` when its transaction queued pushes: wake the push worker after the commit.
PUSHES_DUE = "essaim.pushes_due"
P256_POINT_BYTES = 65  # an uncompressed P-256 point: 0x04, then x and y
AUTH_SECRET_BYTES = 16  # RFC 8291


def _decode(value: str) -> bytes:
    """Base64 in either alphabet, padded or not (Mastodon.py sends standard base64, browsers base64url)."""
    text = value.strip().replace("+", "-").replace("/", "_").rstrip("=")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def checked_keys(p256dh: str, auth: str) -> tuple[str, str]:
    """The app's public key and auth secret as unpadded base64url; ValueError saying which one is unusable.

    The public key must be an uncompressed point on P-256 (checked by loading it), the auth
    secret 16 bytes: anything else could never be encrypted to, so it is refused up front.
    """
    try:
        point = _decode(p256dh)
        if len(point) != P256_POINT_BYTES or point[0] != 4:
            raise ValueError("wrong length")
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except (ValueError, binascii.Error):
        raise ValueError("subscription[keys][p256dh] is not a P-256 public key") from None
    try:
        secret = _decode(auth)
    except (ValueError, binascii.Error):
        raise ValueError("subscription[keys][auth] is not base64") from None
    if len(secret) != AUTH_SECRET_BYTES:
        raise ValueError(f"subscription[keys][auth] must be {AUTH_SECRET_BYTES} bytes")
    return _encode(point), _encode(secret)


def raw_key(value: str) -> bytes:
    """A stored key (unpadded base64url) as bytes."""
    return _decode(value)


def alerts_of(given: Mapping[str, bool], before: Mapping[str, Any] | None = None) -> dict[str, bool]:
    """Every alert with its value: the ones `given`, else as `before`, else off (Mastodon's default)."""
    before = before or {}
    return {name: bool(given.get(name, before.get(name, False))) for name in ALERTS}


async def queue_pushes(session: AsyncSession, notification: Notification) -> int:
    """Queue one push per subscription of the recipient that wants this notification; how many.

    A subscription wants it when its alert for the type is on, its token is not revoked nor its
    account disabled, and its policy admits the sender (`followed`: the recipient follows them; `follower`: they
    follow the recipient). Nothing is pushed from someone whose notifications the recipient mutes (or whose
    server they blocked), nor about a post in a thread they muted.
    """
    recipient, sender = notification.recipient_id, notification.from_actor_id
    subscriptions = [
        (subscription_id, policy)
        for subscription_id, alerts, policy in (await session.execute(_SUBSCRIPTIONS, {"recipient": recipient})).all()
        if isinstance(alerts, dict) and alerts.get(notification.type) and policy != "none"
    ]
    # Most people have no subscription: the mute check (a costly statement) only runs when a push could leave.
    if not subscriptions or await session.scalar(select(notification_muted(recipient, sender, notification.status_id))):
        return 0
    follows = {
        "followed": _follows(recipient, sender),
        "follower": _follows(sender, recipient),
    }
    wanted = []
    for subscription_id, policy in subscriptions:
        if policy in follows and not await session.scalar(select(follows[policy])):
            continue
        wanted.append(subscription_id)
    if wanted:
        payloads = [({"subscription_id": s, "notification_id": notification.id}, None) for s in wanted]
        await jobs.enqueue_many(session, PUSH, payloads)
        session.info[PUSHES_DUE] = True
    return len(wanted)


# The subscriptions of a recipient whose token and account are still valid (built once: it runs per notification).
_SUBSCRIPTIONS = (
    select(PushSubscription.id, PushSubscription.alerts, PushSubscription.policy)
    .join(OAuthToken, OAuthToken.id == PushSubscription.token_id)
    .join(Account, Account.id == OAuthToken.account_id)
    .where(
        PushSubscription.actor_id == bindparam("recipient"),
        OAuthToken.revoked_at.is_(None),
        Account.disabled_at.is_(None),
    )
)


def _follows(follower: int, followee: int) -> Any:
    return exists().where(
        and_(Follow.follower_id == follower, Follow.followee_id == followee, Follow.accepted.is_(True))
    )
