"""The Tag and FeaturedTag entities.

`history` (daily use numbers) is empty: trends are not computed yet. `following` and `featuring`
are present for a signed-in viewer only, as on Mastodon. A featured tag's `url` is the node's
hashtag page, as no per-profile tagged page exists.
"""

from __future__ import annotations

from typing import Any

from essaim.actors.models import Tag
from essaim.actors.tags import FeaturedTagView, TagFlags
from essaim.uris import LocalURIs


def render_tag(tag: Tag, uris: LocalURIs, flags: TagFlags | None = None) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "id": str(tag.id) if tag.id is not None else "",  # a valid hashtag nobody used yet
        "name": tag.display_name,
        "url": uris.tag_page(tag.name),
        "history": [],
    }
    if flags is not None:
        entity["following"] = tag.id in flags.following
        entity["featuring"] = tag.id in flags.featuring
    return entity


def render_featured_tag(view: FeaturedTagView, uris: LocalURIs) -> dict[str, Any]:
    return {
        "id": str(view.featured.id),
        "name": view.tag.display_name,
        "url": uris.tag_page(view.tag.name),
        "statuses_count": str(view.statuses_count),  # a string, as Mastodon sends it
        "last_status_at": view.last_status_at.date().isoformat() if view.last_status_at else None,
    }
