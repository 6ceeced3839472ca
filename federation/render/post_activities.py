"""The activities that carry posts and interactions to peers: Create, Update, Delete, Like, Announce, Undo,
and Add/Remove of a pinned post to/from the author's featured collection.

Ids follow Mastodon's shapes so they are unique and stable (a retried delivery, an Undo, all
name the same activity): `{post}/activity` for a Create or an Announce, `{post}#updates/{epoch}`,
`{post}#delete`, `{actor}#likes/{favourite id}`, `{actor}#pins/{pin id}` (and `…/remove`), and
`{activity}/undo` for an Undo.
Envelopes are returned without `@context`; `document()` adds it for a delivery.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from essaim.actors.models import Actor, Status
from essaim.federation.render.actor import iso
from essaim.federation.render.note import NO_PARTS, NOTE_CONTEXT, NoteParts, audience, render_note


def document(activity: Mapping[str, Any]) -> dict[str, Any]:
    """An activity ready to send on its own: with the `@context` its terms need."""
    return {"@context": NOTE_CONTEXT, **activity}


def create_id(status: Status) -> str:
    return f"{status.uri}/activity"


def render_create(status: Status, author: Actor, parts: NoteParts = NO_PARTS) -> dict[str, Any]:
    note = render_note(status, author, parts)
    return {
        "id": create_id(status),
        "type": "Create",
        "actor": author.uri,
        "published": note["published"],
        "to": note["to"],
        "cc": note["cc"],
        "object": note,
    }


def update_id(status: Status, edited: datetime) -> str:
    """The id of the Update sent for the edit made at `edited` (one per edit: the time is in it)."""
    return f"{status.uri}#updates/{int(edited.timestamp())}"


def render_update(status: Status, author: Actor, parts: NoteParts = NO_PARTS) -> dict[str, Any]:
    """An edit: the whole new version, with `updated` (Mastodon requires it to accept an edit)."""
    note = render_note(status, author, parts)
    edited = status.edited_at or status.published
    note["updated"] = iso(edited)
    return {
        "id": update_id(status, edited),
        "type": "Update",
        "actor": author.uri,
        "published": note["updated"],
        "to": note["to"],
        "cc": note["cc"],
        "object": note,
    }


def render_delete(status: Status, author: Actor, mentioned: list[str]) -> dict[str, Any]:
    """A deleted post, as a `Tombstone` addressed like the post was (its audience learns it is gone)."""
    to, cc = audience(status, author, mentioned)
    return {
        "id": f"{status.uri}#delete",
        "type": "Delete",
        "actor": author.uri,
        "to": to,
        "cc": cc,
        "object": {"id": status.uri, "type": "Tombstone", "atomUri": status.uri},
    }


def like_id(actor: Actor, favourite_id: int) -> str:
    return f"{actor.uri}#likes/{favourite_id}"


def render_like(actor: Actor, favourite_id: int, status_uri: str, author_uri: str) -> dict[str, Any]:
    return {
        "id": like_id(actor, favourite_id),
        "type": "Like",
        "actor": actor.uri,
        "to": [author_uri],
        "object": status_uri,
    }


def render_vote(voter: Actor, vote_id: int, option: str, question_uri: str, author_uri: str) -> dict[str, Any]:
    """One choice on a peer's poll, as Mastodon sends it: a `Note` named after the option, to the author only."""
    note_id = f"{voter.uri}#votes/{vote_id}"
    return {
        "id": f"{note_id}/activity",
        "type": "Create",
        "actor": voter.uri,
        "to": [author_uri],
        "object": {
            "id": note_id,
            "type": "Note",
            "attributedTo": voter.uri,
            "to": [author_uri],
            "name": option,
            "inReplyTo": question_uri,
        },
    }


def render_pin_change(kind: str, author: Actor, pin_id: int, status: Status) -> dict[str, Any]:
    """`Add` (pinned) or `Remove` (unpinned) of the post's id to/from the author's featured collection,
    addressed like the post itself, so it says no more about who may read it than the post does."""
    if kind not in ("Add", "Remove"):
        raise ValueError(f"a pin changes with Add or Remove, not {kind}")
    to, cc = audience(status, author)
    return {
        "id": f"{author.uri}#pins/{pin_id}" + ("/remove" if kind == "Remove" else ""),
        "type": kind,
        "actor": author.uri,
        "to": to,
        "cc": cc,
        "object": status.uri,
        "target": author.featured_uri,
    }


def render_announce(boost: Status, booster: Actor, original_uri: str, original_author_uri: str) -> dict[str, Any]:
    """A boost: addressed by the boost's own visibility, with the boosted post's author in `cc`."""
    to, cc = audience(boost, booster, boosted_author=original_author_uri)
    return {
        "id": create_id(boost),
        "type": "Announce",
        "actor": booster.uri,
        "published": iso(boost.published),
        "to": to,
        "cc": cc,
        "object": original_uri,
    }


def render_undo(activity: Mapping[str, Any]) -> dict[str, Any]:
    """Take back a Like or an Announce: the activity embedded, addressed as it was."""
    undo: dict[str, Any] = {
        "id": f"{activity['id']}/undo",
        "type": "Undo",
        "actor": activity["actor"],
        "object": dict(activity),
    }
    for key in ("to", "cc"):
        if key in activity:
            undo[key] = activity[key]
    return undo
