"""The Notification entity."""

from __future__ import annotations

from typing import Any

from essaim.actors.hydrate import AccountData, StatusData
from essaim.actors.models import Notification
from essaim.uris import LocalURIs
from essaim.web.api.entities.account import render_account
from essaim.web.api.entities.common import timestamp
from essaim.web.api.entities.status import render_status


def render_notification(
    notification: Notification, account: AccountData, status: StatusData | None, uris: LocalURIs
) -> dict[str, Any]:
    return {
        "id": str(notification.id),
        "type": notification.type,
        "created_at": timestamp(notification.created_at),
        "group_key": f"ungrouped-{notification.id}",
        "account": render_account(account, uris),
        "status": render_status(status, uris, notification.recipient_id) if status else None,
    }
