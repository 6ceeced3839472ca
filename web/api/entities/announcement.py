"""The Announcement entity, with the viewer's `read` and reactions (counted, and whether the viewer reacted)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from essaim.actors.models import Announcement
from essaim.web.api.entities.common import optional_timestamp, timestamp


def render_announcement(
    announcement: Announcement, read: bool, reactions: Sequence[tuple[str, int, bool]]
) -> dict[str, Any]:
    """`reactions`: (emoji, how many people, whether the viewer is one), oldest first."""
    return {
        "id": str(announcement.id),
        "content": announcement.content,
        "starts_at": optional_timestamp(announcement.starts_at),
        "ends_at": optional_timestamp(announcement.ends_at),
        "all_day": announcement.all_day,
        "published": True,
        "published_at": timestamp(announcement.published_at),
        "updated_at": timestamp(announcement.updated_at),
        "read": read,
        "mentions": [],
        "statuses": [],
        "tags": [],
        "emojis": [],
        "reactions": [{"name": name, "count": count, "me": me} for name, count, me in reactions],
    }
