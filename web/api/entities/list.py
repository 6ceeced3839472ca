"""Mastodon's List entity."""

from __future__ import annotations

from typing import Any

from essaim.actors.models import Actor, List


def render_list(item: List) -> dict[str, Any]:
    return {
        "id": str(item.id),
        "title": item.title,
        "replies_policy": item.replies_policy,
        "exclusive": item.exclusive,
    }


def render_community_list(group: Actor) -> dict[str, Any]:
    """A community as a List (actors/community_lists.py): its replies are the community's, never exclusive."""
    return {
        "id": str(group.id),
        "title": group.display_name or group.username,
        "replies_policy": "list",
        "exclusive": False,
    }
