"""The Notification entity."""

from __future__ import annotations

from typing import Any

from essaim.actors.hydrate import AccountData, StatusData
from essaim.actors.models import Notification
from essaim.actors.notification_groups import Group, group_key
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
        "group_key": group_key(notification),
        "account": render_account(account, uris),
        "status": render_status(status, uris, notification.recipient_id) if status else None,
    }


PARTIAL_ACCOUNT_KEYS = ("id", "acct", "url", "avatar", "avatar_static", "locked", "bot")
SAMPLE_ACCOUNTS = 8


def _samples(group: Group) -> list[AccountData]:
    """The group's first distinct accounts, newest first."""
    distinct: dict[int, AccountData] = {}
    for _, account, _ in group.members:
        distinct.setdefault(account.actor.id, account)
    return list(distinct.values())[:SAMPLE_ACCOUNTS]


def render_group(group: Group) -> dict[str, Any]:
    """A NotificationGroup: the counts and samples are of the members on this page."""
    newest, oldest = group.newest, group.members[-1][0]
    rendered: dict[str, Any] = {
        "group_key": group.key,
        "notifications_count": len(group.members),
        "type": newest.type,
        "most_recent_notification_id": str(newest.id),
        "page_min_id": str(oldest.id),
        "page_max_id": str(newest.id),
        "latest_page_notification_at": timestamp(newest.created_at),
        "sample_account_ids": [str(account.actor.id) for account in _samples(group)],
    }
    if newest.status_id is not None:
        rendered["status_id"] = str(newest.status_id)
    return rendered


def render_grouped(groups: list[Group], viewer_id: int, uris: LocalURIs, *, partial: bool) -> dict[str, Any]:
    """GroupedNotificationsResults; with `partial`, only each group's newest account is given in full."""
    accounts: dict[int, AccountData] = {}
    statuses: dict[int, StatusData] = {}
    for group in groups:
        for account in _samples(group):
            accounts.setdefault(account.actor.id, account)
        if (status := group.members[0][2]) is not None:
            statuses.setdefault(status.status.id, status)
    full = {group.members[0][1].actor.id for group in groups} if partial else set(accounts)
    results: dict[str, Any] = {
        "accounts": [render_account(accounts[i], uris) for i in accounts if i in full],
        "statuses": [render_status(s, uris, viewer_id) for s in statuses.values()],
        "notification_groups": [render_group(group) for group in groups],
    }
    if partial:
        rest = [render_account(accounts[i], uris) for i in accounts if i not in full]
        results["partial_accounts"] = [{k: a[k] for k in PARTIAL_ACCOUNT_KEYS} for a in rest]
    return results
