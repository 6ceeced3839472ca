"""The Relationship entity: all sixteen keys, as clients index them without checking."""

from __future__ import annotations

from typing import Any

from essaim.actors.relationships import Relationship


def render_relationship(relationship: Relationship) -> dict[str, Any]:
    """Reblogs are shown and posts not notified for every follow: those follow options are not stored yet."""
    return {
        "id": str(relationship.actor_id),
        "following": relationship.following,
        "showing_reblogs": relationship.following or relationship.requested,
        "notifying": False,
        "languages": None,
        "followed_by": relationship.followed_by,
        "blocking": relationship.blocking,
        "blocked_by": relationship.blocked_by,
        "muting": False,
        "muting_notifications": False,
        "muting_expires_at": None,
        "requested": relationship.requested,
        "requested_by": relationship.requested_by,
        "domain_blocking": False,
        "endorsed": False,
        "note": "",
    }
