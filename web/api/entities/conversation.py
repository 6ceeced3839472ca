"""The Conversation entity: the other people in a direct thread and its newest post, per viewer."""

from __future__ import annotations

from typing import Any

from essaim.actors.conversations import ConversationData
from essaim.actors.hydrate import AccountData, StatusData
from essaim.uris import LocalURIs
from essaim.web.api.entities.account import render_account
from essaim.web.api.entities.status import render_status


def render_conversation(
    data: ConversationData,
    accounts: dict[int, AccountData],
    last_status: StatusData | None,
    uris: LocalURIs,
    viewer_id: int,
) -> dict[str, Any]:
    return {
        "id": str(data.conversation.id),
        "unread": data.conversation.unread,
        "accounts": [render_account(accounts[i], uris) for i in data.participant_ids if i in accounts],
        "last_status": render_status(last_status, uris, viewer_id) if last_status else None,
    }
