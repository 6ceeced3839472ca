"""Mastodon's WebPushSubscription entity."""

from __future__ import annotations

from typing import Any

from essaim.actors.models import PushSubscription
from essaim.actors.push import alerts_of


def render_subscription(subscription: PushSubscription, server_key: str) -> dict[str, Any]:
    return {
        "id": str(subscription.id),
        "endpoint": subscription.endpoint,
        "standard": True,  # RFC 8291 (aes128gcm) pushes, never the draft `aesgcm` ones
        "alerts": alerts_of({}, subscription.alerts),
        "policy": subscription.policy,
        "server_key": server_key,
    }
