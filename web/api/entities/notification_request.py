"""The NotificationPolicy entity (v2, and the v1 form of Mastodon 4.3) and the NotificationRequest entity."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from essaim.actors.hydrate import AccountData, StatusData
from essaim.actors.models import NotificationRequest
from essaim.actors.notification_policy import ACCEPT
from essaim.uris import LocalURIs
from essaim.web.api.entities.account import render_account
from essaim.web.api.entities.common import timestamp
from essaim.web.api.entities.status import render_status

V1_RULES = ("for_not_following", "for_not_followers", "for_new_accounts", "for_private_mentions")


def v1_name(rule: str) -> str:
    """The v1 boolean of a rule: `for_not_following` → `filter_not_following`."""
    return rule.replace("for_", "filter_", 1)


def render_policy(policy: Mapping[str, str], summary: Mapping[str, int]) -> dict[str, Any]:
    return {**policy, "summary": dict(summary)}


def render_policy_v1(policy: Mapping[str, str], summary: Mapping[str, int]) -> dict[str, Any]:
    """v1 says only whether each rule keeps notifications out (`filter` or `drop`)."""
    return {v1_name(rule): policy[rule] != ACCEPT for rule in V1_RULES} | {"summary": dict(summary)}


def render_request(
    request: NotificationRequest, count: int, account: AccountData, last_status: StatusData | None, uris: LocalURIs
) -> dict[str, Any]:
    return {
        "id": str(request.id),
        "created_at": timestamp(request.created_at),
        "updated_at": timestamp(request.updated_at),
        "account": render_account(account, uris),
        "notifications_count": str(count),
        "last_status": render_status(last_status, uris, request.recipient_id) if last_status else None,
    }
