"""Mastodon's List entity."""

from __future__ import annotations

from typing import Any

from essaim.actors.models import List


def render_list(item: List) -> dict[str, Any]:
    return {
        "id": str(item.id),
        "title": item.title,
        "replies_policy": item.replies_policy,
        "exclusive": item.exclusive,
    }
