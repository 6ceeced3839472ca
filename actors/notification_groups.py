"""Notification groups (Mastodon's grouped notifications): which notifications share a `group_key`.

Favourites and boosts of the same post, and new followers, group together within a fixed
12-hour bucket (Mastodon's maximum group span); every other type (mentions above all) stands
alone as `ungrouped-<id>`. The key is worked out from the row on read, so no column is stored
and a key can be turned back into the SQL condition selecting its members.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, and_

from essaim.actors.hydrate import AccountData, StatusData
from essaim.actors.models import Notification, NotificationType

GROUPABLE = frozenset({NotificationType.FAVOURITE, NotificationType.REBLOG, NotificationType.FOLLOW})
SPAN = timedelta(hours=12)
_KEY = re.compile(r"^(?:(favourite|reblog)-(\d{1,20})|(follow)|ungrouped)-(\d{1,20})$")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
BIGINT = 2**63  # ids above a 64-bit column match nothing, and PostgreSQL would refuse to compare them


def _bucket(moment: datetime) -> int:
    return (moment - EPOCH) // SPAN


def group_key(notification: Notification, grouped_types: Collection[str] = GROUPABLE) -> str:
    """The notification's group; types left out of `grouped_types` stand alone."""
    kind = notification.type
    if kind not in GROUPABLE or kind not in grouped_types:
        return f"ungrouped-{notification.id}"
    target = f"-{notification.status_id}" if kind != NotificationType.FOLLOW else ""
    return f"{kind}{target}-{_bucket(notification.created_at)}"


def group_members(key: str) -> ColumnElement[bool] | None:
    """The condition selecting the notifications of `key` (None for a malformed key)."""
    match = _KEY.match(key)
    if match is None:
        return None
    status_kind, status_id, follow, number = match.groups()
    if any(int(n) >= BIGINT for n in (status_id or "0", number)):
        return None
    if not (status_kind or follow):
        return Notification.id == int(number)
    try:
        start = EPOCH + SPAN * int(number)
    except OverflowError:
        return None
    window = and_(Notification.created_at >= start, Notification.created_at < start + SPAN)
    if follow:
        return and_(Notification.type == NotificationType.FOLLOW, window)
    return and_(Notification.type == status_kind, Notification.status_id == int(status_id), window)


Hydrated = tuple[Notification, AccountData, StatusData | None]


@dataclass
class Group:
    """One group of a page: its members newest first (a group may go on in older pages)."""

    key: str
    members: list[Hydrated] = field(default_factory=list)

    @property
    def newest(self) -> Notification:
        return self.members[0][0]


def gather(
    rows: list[Notification], shown: list[Hydrated], limit: int, grouped_types: Collection[str] = GROUPABLE
) -> tuple[list[Group], list[int]]:
    """At most `limit` groups from `rows` (in the order read), newest first, with the ids of the rows they used.

    Reading stops at the first row that would open one group too many, so the next page, starting
    below (or above) the rows used, skips nothing. Rows missing from `shown` (hidden by filters)
    use up their place but join no group.
    """
    visible = {item[0].id: item for item in shown}
    groups: dict[str, Group] = {}
    used: list[int] = []
    for row in rows:
        key = group_key(row, grouped_types)
        if row.id in visible and key not in groups:
            if len(groups) == limit:
                break
            groups[key] = Group(key)
        used.append(row.id)
        if row.id in visible:
            groups[key].members.append(visible[row.id])
    for group in groups.values():
        group.members.sort(key=lambda item: item[0].id, reverse=True)
    return sorted(groups.values(), key=lambda g: g.newest.id, reverse=True), used
