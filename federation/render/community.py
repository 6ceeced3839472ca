"""What a Group sends its members (FEP-1b12): the member's activity (a new post, its edits, its deletion),
unchanged, inside an `Announce`; and a moderator's removal of a post, as the Group's own `Delete`.

Beside it, for a public or unlisted post, the compatibility form Mastodon needs (as Lemmy sends
it): an `Announce` of the post's id, which Mastodon shows as the Group's boost. A members-only post
never gets that form: it would name a post that only members may fetch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from essaim.actors.models import Actor, Status, Visibility
from essaim.federation.vocab import PUBLIC


def render_group_announce(group: Actor, status: Status, announced: Mapping[str, Any] | str) -> dict[str, Any]:
    """The Group's `Announce` of a member's activity (embedded) or, for compatibility, of the post's id."""
    followers = group.followers_uri or group.uri
    public = status.visibility in (Visibility.PUBLIC.value, Visibility.UNLISTED.value)
    if isinstance(announced, str):
        form = "compat"
    elif announced.get("type") == "Create":
        form = "activity"
    else:  # one per edit or deletion: named after the announced activity
        form = (
            f"{str(announced.get('type')).lower()}-{hashlib.sha256(str(announced.get('id')).encode()).hexdigest()[:16]}"
        )
    return {
        "id": f"{group.uri}/announces/{status.id}/{form}",
        "type": "Announce",
        "actor": group.uri,
        "to": [PUBLIC] if public else [followers],
        "cc": [followers] if public else [],
        "audience": group.uri,
        "object": announced if isinstance(announced, str) else dict(announced),
    }


def render_group_delete(group: Actor, status: Status) -> dict[str, Any]:
    """A moderator's removal of a member's post: the Group's `Delete` of it (announced to members in turn)."""
    return {
        "id": f"{group.uri}/removals/{status.id}",
        "type": "Delete",
        "actor": group.uri,
        "to": [group.followers_uri or group.uri],
        "audience": group.uri,
        "object": {"id": status.uri, "type": "Tombstone"},
    }


def render_group_moderation(
    group: Actor, moderator: Actor, status: Status, kind: str, activity_id: str, *, undo: bool = False
) -> dict[str, Any]:
    """A moderator's step on a post of the community, as Lemmy words it (announced by the Group in turn):
    `Lock` (no more replies) or its `Undo`; `Add` to the Group's featured collection (pinned) or `Remove`."""
    audience = {"to": [group.followers_uri or group.uri], "audience": group.uri}
    activity: dict[str, Any] = {"id": activity_id, "type": kind, "actor": moderator.uri, **audience}
    activity["object"] = status.uri
    if kind in ("Add", "Remove"):
        activity["target"] = group.featured_uri or group.uri
    if not undo:
        return activity
    return {"id": f"{activity_id}/undo", "type": "Undo", "actor": moderator.uri, **audience, "object": activity}
