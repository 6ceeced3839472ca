"""The Relationship entity: all sixteen keys, as clients index them without checking."""

from __future__ import annotations

from typing import Any

from essaim.actors.relationships import Relationship
from essaim.web.api.entities.common import optional_timestamp


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
        "muting": relationship.muting,
        "muting_notifications": relationship.muting_notifications,
        "muting_expires_at": optional_timestamp(relationship.muting_expires_at),
        "requested": relationship.requested,
        "requested_by": relationship.requested_by,
        "domain_blocking": relationship.domain_blocking,
        "endorsed": relationship.endorsed,
        "note": relationship.note,
    }
