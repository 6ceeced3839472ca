"""What a Web Push says: Mastodon's push payload for one notification, read fresh when the push leaves.

The shape is Mastodon's (`access_token`, `preferred_locale`, `notification_id`,
`notification_type`, `icon`, `title`, `body`), so apps that decrypt Mastodon's pushes read ours.
Two differences, both deliberate: `access_token` is empty, because tokens are stored as digests
only and the node cannot give one back (apps call the API with the token they hold, found by
the subscription's endpoint); and titles are English, as the node has no per-person locale.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

import bleach
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Actor, Notification, PushSubscription, Status
from essaim.uris import LocalURIs

BODY_LENGTH = 140  # characters of the post (or profile) a push shows, as Mastodon
LOCALE = "en"
# Mastodon's English notification titles, by type.
TITLES = {
    "mention": "You were mentioned by {name}",
    "status": "{name} just posted",
    "reblog": "{name} boosted your post",
    "follow": "{name} is now following you",
    "follow_request": "Pending follower: {name}",
    "favourite": "{name} favourited your post",
    "poll": "A poll by {name} has ended",
    "update": "{name} edited a post",
    "admin.sign_up": "{name} signed up",
    "admin.report": "New report from {name}",
}
_BREAKS = re.compile(r"<br\s*/?>|</p>\s*<p[^>]*>", re.IGNORECASE)


@dataclass(frozen=True)
class PreparedPush:
    """A push ready to encrypt: where it goes, the app's keys, and the payload."""

    subscription_id: int
    endpoint: str
    p256dh: str
    auth: str
    payload: dict[str, Any]


async def prepare_push(
    session: AsyncSession, subscription_id: int, notification_id: int, uris: LocalURIs
) -> PreparedPush | None:
    """The push for a queued job, or None when its subscription or notification is gone (nothing to send)."""
    subscription = await session.get(PushSubscription, subscription_id)
    notification = await session.get(Notification, notification_id)
    if subscription is None or notification is None or notification.type not in TITLES:
        return None
    sender = await session.get(Actor, notification.from_actor_id)
    if sender is None:
        return None
    status = await session.get(Status, notification.status_id) if notification.status_id is not None else None
    return PreparedPush(
        subscription.id,
        subscription.endpoint,
        subscription.key_p256dh,
        subscription.key_auth,
        render_payload(notification, sender, status, uris),
    )


def render_payload(notification: Notification, sender: Actor, status: Status | None, uris: LocalURIs) -> dict[str, Any]:
    name = sender.display_name or sender.username
    if status is not None:
        text = status.spoiler_text or status.content
    else:
        text = sender.summary
    return {
        "access_token": "",
        "preferred_locale": LOCALE,
        "notification_id": str(notification.id),
        "notification_type": notification.type,
        "icon": uris.shown_image(sender.id, sender.avatar_url, "avatar", remote=sender.domain is not None),
        "title": TITLES[notification.type].format(name=name),
        "body": _truncate(_plain(text)),
    }


def _plain(markup: str) -> str:
    """Sanitised HTML as the text a phone shows: tags dropped, paragraphs and line breaks kept as newlines."""
    return html.unescape(bleach.clean(_BREAKS.sub("\n", markup), tags=[], strip=True)).strip()


def _truncate(text: str) -> str:
    return text if len(text) <= BODY_LENGTH else text[: BODY_LENGTH - 1].rstrip() + "…"
