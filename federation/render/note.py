"""A post → its `Note`, and the `Create` that carries it in an outbox."""

from __future__ import annotations

from typing import Any

from essaim.actors.models import Actor, Status, Visibility
from essaim.federation.render.actor import iso
from essaim.federation.vocab import PUBLIC


def audience(status: Status, author: Actor) -> tuple[list[str], list[str]]:
    """`to` and `cc` as Mastodon derives visibility from them (fedi-anchors §5 row 22)."""
    followers = [author.followers_uri] if author.followers_uri else []
    match status.visibility:
        case Visibility.PUBLIC.value:
            return [PUBLIC], followers
        case Visibility.UNLISTED.value:
            return followers, [PUBLIC]
        case Visibility.PRIVATE.value:
            return followers, []
        case _:
            return [], []  # direct: the mentioned actors, added when mentions exist


def render_note(status: Status, author: Actor) -> dict[str, Any]:
    to, cc = audience(status, author)
    note: dict[str, Any] = {
        "id": status.uri,
        "type": "Note",
        "attributedTo": author.uri,
        "content": status.content,
        "published": iso(status.published),
        "url": status.url or status.uri,
        "to": to,
        "cc": cc,
        "sensitive": status.sensitive,
        "summary": status.spoiler_text or None,
    }
    if status.language:
        note["contentMap"] = {status.language: status.content}
    if status.edited_at:
        note["updated"] = iso(status.edited_at)
    return note


def render_create(status: Status, author: Actor) -> dict[str, Any]:
    note = render_note(status, author)
    return {
        "id": f"{status.uri}/activity",
        "type": "Create",
        "actor": author.uri,
        "published": note["published"],
        "to": note["to"],
        "cc": note["cc"],
        "object": note,
    }
