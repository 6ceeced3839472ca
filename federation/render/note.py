"""A post → its `Note` (or `Question`, when it carries a poll), addressed as Mastodon addresses it.

The renderer never queries: the caller loads what a post shows besides its row — mentions,
hashtags, the parent's id, media, poll — into `NoteParts` (`outbox/note_parts.py` does it for
local posts), so the same function serves the post's id, the outbox and deliveries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from essaim.actors.models import Actor, Poll, Status, Visibility
from essaim.federation.render.actor import iso
from essaim.federation.vocab import AS2_CONTEXT, PUBLIC

# Terms beyond AS2 that notes use, declared inline as Mastodon does (its namespace URL does not resolve).
NOTE_TERMS: dict[str, object] = {
    "sensitive": "as:sensitive",
    "Hashtag": "as:Hashtag",
    "toot": "http://joinmastodon.org/ns#",
    "blurhash": "toot:blurhash",
    "focalPoint": {"@container": "@list", "@id": "toot:focalPoint"},
    "votersCount": "toot:votersCount",
    "Emoji": "toot:Emoji",
}
NOTE_CONTEXT: list[object] = [AS2_CONTEXT, NOTE_TERMS]


@dataclass(frozen=True)
class MentionRef:
    """A mentioned actor: its id (`href`, and an addressee) and its `@user@domain` (`name`)."""

    uri: str
    name: str


@dataclass(frozen=True)
class HashtagRef:
    """A hashtag as written (`name` without `#`) and its page on the author's node."""

    name: str
    href: str


@dataclass(frozen=True)
class EmojiRef:
    """A custom emoji the post writes as `:shortcode:`: its id, image and when the image last changed."""

    uri: str
    shortcode: str
    url: str
    media_type: str
    updated: datetime


@dataclass(frozen=True)
class AttachmentRef:
    """One media file, with the absolute URL it is served at."""

    url: str
    media_type: str
    description: str = ""
    blurhash: str | None = None
    width: int | None = None
    height: int | None = None
    focus: tuple[float, float] = (0.0, 0.0)


@dataclass(frozen=True)
class CommunityRef:
    """The community (Group) a post is in: its id and its followers collection (its members)."""

    uri: str
    followers: str


@dataclass(frozen=True)
class NoteParts:
    """What a Note shows besides its status row; empty by default (a plain post)."""

    mentions: Sequence[MentionRef] = ()
    hashtags: Sequence[HashtagRef] = ()
    in_reply_to: str | None = None  # the parent post's id
    attachments: Sequence[AttachmentRef] = ()
    poll: Poll | None = None
    emojis: Sequence[EmojiRef] = ()
    community: CommunityRef | None = None


NO_PARTS = NoteParts()


def audience(
    status: Status,
    author: Actor,
    mentioned: Sequence[str] = (),
    *,
    boosted_author: str | None = None,
    community: CommunityRef | None = None,
) -> tuple[list[str], list[str]]:
    """`to` and `cc` as Mastodon derives them from visibility (`TagManager#to`/`#cc`, fedi-anchors §5 row 22).

    Mentioned actors go in `cc`, except for direct posts, whose whole audience they are (`to`).
    A boost also names the boosted post's author in `cc`. A post in a community names the Group
    (FEP-1b12); a members-only one is addressed to the Group and its members only — no mention,
    no Public, no author's followers — so no receiver widens it.
    """
    if community is not None:
        if status.visibility == Visibility.PRIVATE.value:
            return [community.uri], [community.followers]
        plain_to, plain_cc = audience(status, author, mentioned, boosted_author=boosted_author)
        return plain_to, list(dict.fromkeys([*plain_cc, community.uri]))
    followers = [author.followers_uri] if author.followers_uri else []
    to: list[str]
    cc: list[str] = [boosted_author] if boosted_author else []
    match status.visibility:
        case Visibility.PUBLIC.value:
            to, cc = [PUBLIC], [*cc, *followers]
        case Visibility.UNLISTED.value:
            to, cc = followers, [*cc, PUBLIC]
        case Visibility.PRIVATE.value:
            to = followers
        case _:  # direct
            return list(dict.fromkeys(mentioned)), cc
    return to, list(dict.fromkeys([*cc, *mentioned]))


def _tags(parts: NoteParts) -> list[dict[str, Any]]:
    mentions = [{"type": "Mention", "href": m.uri, "name": m.name} for m in parts.mentions]
    hashtags = [{"type": "Hashtag", "href": h.href, "name": f"#{h.name}"} for h in parts.hashtags]
    return mentions + hashtags + [render_emoji(e) for e in parts.emojis]


def render_emoji(emoji: EmojiRef) -> dict[str, Any]:
    """An `Emoji` as Mastodon writes it (in a post's `tag`, and at its own id)."""
    return {
        "id": emoji.uri,
        "type": "Emoji",
        "name": f":{emoji.shortcode}:",
        "updated": iso(emoji.updated),
        "icon": {"type": "Image", "mediaType": emoji.media_type, "url": emoji.url},
    }


def _attachment(item: AttachmentRef) -> dict[str, Any]:
    document: dict[str, Any] = {
        "type": "Document",
        "mediaType": item.media_type,
        "url": item.url,
        "name": item.description or None,
        "blurhash": item.blurhash,
    }
    if item.width and item.height:
        document["width"], document["height"] = item.width, item.height
    if item.focus != (0.0, 0.0):
        document["focalPoint"] = list(item.focus)
    return document


def _poll_fields(poll: Poll) -> dict[str, Any]:
    """A poll's options as `oneOf`/`anyOf` notes with their vote counts, and its end."""
    options = [
        {"type": "Note", "name": name, "replies": {"type": "Collection", "totalItems": votes}}
        for name, votes in zip(poll.options, poll.option_votes, strict=False)
    ]
    fields: dict[str, Any] = {"anyOf" if poll.multiple else "oneOf": options, "votersCount": poll.voters_count}
    if poll.expires_at is not None:
        fields["endTime"] = iso(poll.expires_at)
    if poll.closed_at is not None:
        fields["closed"] = iso(poll.closed_at)
    return fields


def render_note(status: Status, author: Actor, parts: NoteParts = NO_PARTS) -> dict[str, Any]:
    """The post as AS2 (without `@context`): a `Note`, or a `Question` when it has a poll."""
    to, cc = audience(status, author, [m.uri for m in parts.mentions], community=parts.community)
    note: dict[str, Any] = {
        "id": status.uri,
        "type": "Question" if parts.poll is not None else "Note",
        "attributedTo": author.uri,
        "inReplyTo": parts.in_reply_to,
        "content": status.content,
        "published": iso(status.published),
        "url": status.url or status.uri,
        "to": to,
        "cc": cc,
        "sensitive": status.sensitive,
        "summary": status.spoiler_text or None,
        "tag": _tags(parts),
        "attachment": [_attachment(item) for item in parts.attachments],
    }
    if status.language:
        note["contentMap"] = {status.language: status.content}
    if status.edited_at:
        note["updated"] = iso(status.edited_at)
    if parts.poll is not None:
        note |= _poll_fields(parts.poll)
    if parts.community is not None:
        note["audience"] = parts.community.uri
    return note


def render_tombstone(uri: str, former_type: str | None, deleted: datetime) -> dict[str, Any]:
    """What a deleted post's id answers (with 410 Gone), so peers that refetch it learn it is gone for good."""
    document: dict[str, Any] = {"@context": AS2_CONTEXT, "id": uri, "type": "Tombstone"}
    if former_type:
        document["formerType"] = former_type
    return document | {"deleted": iso(deleted)}
