"""A peer's post (`Note`, `Question`, `Article`) → a typed ParsedNote, and its visibility from its addressing.

Reads the shapes servers send (Mastodon, GoToSocial, Pleroma/Akkoma, Misskey…): AS2 one-or-many
values, references as strings or objects, `content` or only `contentMap`, `url` as a string or
`Link`s. HTML is sanitised here, once, with `federation.html`; `summary` (the content warning)
becomes plain text. Nothing is trusted about *who* may send it: origin checks are the caller's,
who knows the verified sender.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from essaim.actors.models import Visibility
from essaim.federation.html import sanitize_html
from essaim.federation.keys import url_authority
from essaim.federation.parse_actor import FederationParseError
from essaim.federation.parse_common import MAX_URL_CHARS, ParsedEmoji, link, parse_emojis, parse_timestamp
from essaim.federation.vocab import PUBLIC, as_list, id_of

NOTE_TYPES = frozenset({"Note", "Question", "Article"})
PUBLIC_FORMS = frozenset({PUBLIC, "as:Public", "Public"})
MAX_ATTACHMENTS = 4  # Mastodon keeps the first four
MAX_POLL_OPTIONS = 20
MAX_TAG_CHARS = 100
MAX_DESCRIPTION_CHARS = 1500
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_HASHTAG = re.compile(r"^\w+$")
_BLURHASH = re.compile(r"^[0-9A-Za-z#$%*+,\-.:;=?@\[\]^_{|}~]{6,64}$")
_TAG_RE = re.compile(r"<[^>]*>")
MEDIA_KINDS = {"image": "image", "video": "video", "audio": "audio"}
TYPE_KINDS = {"Image": "image", "Video": "video", "Audio": "audio"}


@dataclass(frozen=True)
class ParsedAttachment:
    url: str
    kind: str  # image | video | audio | unknown (MediaAttachment.type)
    media_type: str
    description: str
    blurhash: str | None
    width: int | None
    height: int | None
    focus: tuple[float, float]


@dataclass(frozen=True)
class ParsedPoll:
    options: list[str]
    votes: list[int]
    multiple: bool
    voters_count: int
    expires_at: datetime | None
    closed_at: datetime | None


@dataclass(frozen=True)
class ParsedNote:
    id: str
    type: str
    attributed_to: str
    content: str  # sanitised HTML
    summary: str  # plain text: the content warning
    sensitive: bool
    language: str | None
    published: datetime | None
    updated: datetime | None
    url: str | None
    in_reply_to: str | None
    to: list[str]
    cc: list[str]
    mentions: list[str]  # hrefs of `Mention` tags
    hashtags: list[str]  # names without `#`, as written
    attachments: list[ParsedAttachment]
    poll: ParsedPoll | None
    emojis: list[ParsedEmoji]
    audience: str | None = None  # the community (Group) it was posted in (FEP-1b12)

    @property
    def addressed(self) -> list[str]:
        """Every id in `to` and `cc`."""
        return [*self.to, *self.cc]


def visibility_of(to: Sequence[str], cc: Sequence[str], followers_uri: str | None) -> str:
    """Mastodon's reading of addressing (`visibility_from_audience`): Public in `to` → public; in `cc` →
    unlisted; the author's followers in `to` → private; else direct (only the addressed and mentioned)."""
    if any(item in PUBLIC_FORMS for item in to):
        return Visibility.PUBLIC.value
    if any(item in PUBLIC_FORMS for item in cc):
        return Visibility.UNLISTED.value
    if followers_uri and followers_uri in to:
        return Visibility.PRIVATE.value
    return Visibility.DIRECT.value


def addresses(value: Any) -> list[str]:
    """The ids in a `to`/`cc` value (strings or objects)."""
    return [found for item in as_list(value) if (found := id_of(item)) is not None]


def parse_note(document: Mapping[str, Any]) -> ParsedNote:
    """Validate and read a post; FederationParseError names what is missing or wrong."""
    if not isinstance(document, Mapping):
        raise FederationParseError("the object is not a JSON object")
    kind = next((t for t in as_list(document.get("type")) if t in NOTE_TYPES), None)
    if kind is None:
        raise FederationParseError(
            f"type {document.get('type')!r} is not a post type ({', '.join(sorted(NOTE_TYPES))})"
        )
    note_id = _url(document.get("id"), "id")
    attributed_to = id_of(document.get("attributedTo"))
    if attributed_to is None:
        raise FederationParseError("attributedTo is missing")
    content, language = _content(document)
    if kind == "Article" and isinstance(document.get("name"), str) and document["name"].strip():
        content = f"<p><strong>{html.escape(document['name'].strip())}</strong></p>{content}"
    summary = _plain(document.get("summary"))
    sensitive = _flag(document.get("sensitive", document.get("as:sensitive"))) or bool(summary)
    tags = [t for t in as_list(document.get("tag")) if isinstance(t, Mapping)]
    return ParsedNote(
        id=note_id,
        type=kind,
        attributed_to=attributed_to,
        content=sanitize_html(content),
        summary=summary,
        sensitive=sensitive,
        language=language,
        published=parse_timestamp(document.get("published")),
        updated=parse_timestamp(document.get("updated")),
        url=link(document.get("url")),
        in_reply_to=id_of(document.get("inReplyTo")),
        to=addresses(document.get("to")),
        cc=addresses(document.get("cc")),
        mentions=list(dict.fromkeys(h for t in tags if t.get("type") == "Mention" and (h := _href(t)) is not None)),
        hashtags=_hashtags(tags),
        attachments=_attachments(document.get("attachment")),
        poll=_poll(document) if kind == "Question" else None,
        emojis=parse_emojis(tags),
        audience=id_of(document.get("audience")),
    )


def _url(value: Any, name: str) -> str:
    if not isinstance(value, str) or len(value) > MAX_URL_CHARS or url_authority(value) is None:
        raise FederationParseError(f"{name} is missing or not an absolute http(s) URL")
    return value


def _content(document: Mapping[str, Any]) -> tuple[str, str | None]:
    """`content` (or the first `contentMap` entry) and its language when `contentMap` names one."""
    content = document.get("content")
    language_map = document.get("contentMap")
    language: str | None = None
    if isinstance(language_map, Mapping):
        entries = [(k, v) for k, v in language_map.items() if isinstance(k, str) and isinstance(v, str)]
        match = next((k for k, v in entries if v == content), None)
        if match is None and entries:
            match = entries[0][0]
            if not isinstance(content, str):
                content = entries[0][1]
        if match is not None and len(match) <= 35 and _LANGUAGE.match(match):
            language = match
    return (content if isinstance(content, str) else ""), language


def _plain(value: Any) -> str:
    """HTML or text → plain text (what a content warning is)."""
    if not isinstance(value, str):
        return ""
    return html.unescape(_TAG_RE.sub("", sanitize_html(value))).strip()


def _flag(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _href(tag: Mapping[str, Any]) -> str | None:
    href = tag.get("href")
    return href if isinstance(href, str) and url_authority(href) is not None else None


def _hashtags(tags: list[Mapping[str, Any]]) -> list[str]:
    names: dict[str, str] = {}
    for tag in tags:
        name = tag.get("name")
        if tag.get("type") != "Hashtag" or not isinstance(name, str):
            continue
        name = name.strip().lstrip("#")
        if 0 < len(name) <= MAX_TAG_CHARS and _HASHTAG.match(name):
            names.setdefault(name.lower(), name)
    return list(names.values())


def _dimension(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= 100_000 else None


def _focus(value: Any) -> tuple[float, float]:
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, int | float) for v in value):
        x, y = (max(-1.0, min(1.0, float(v))) for v in value)
        return x, y
    return 0.0, 0.0


def _attachments(value: Any) -> list[ParsedAttachment]:
    found: list[ParsedAttachment] = []
    for item in as_list(value):
        if len(found) == MAX_ATTACHMENTS:
            break
        if not isinstance(item, Mapping):
            continue
        url = link(item.get("url")) or link(item.get("href"))
        if url is None:
            continue
        declared = item.get("mediaType")
        media_type = declared if isinstance(declared, str) else ""
        kind = MEDIA_KINDS.get(media_type.partition("/")[0]) or TYPE_KINDS.get(str(item.get("type")), "unknown")
        name = item.get("name")
        blurhash = item.get("blurhash")
        found.append(
            ParsedAttachment(
                url=url,
                kind=kind,
                media_type=media_type[:100],
                description=name.strip()[:MAX_DESCRIPTION_CHARS] if isinstance(name, str) else "",
                blurhash=blurhash if isinstance(blurhash, str) and _BLURHASH.match(blurhash) else None,
                width=_dimension(item.get("width")),
                height=_dimension(item.get("height")),
                focus=_focus(item.get("focalPoint")),
            )
        )
    return found


def _poll(document: Mapping[str, Any]) -> ParsedPoll | None:
    """A Question's options (`oneOf` single choice, `anyOf` multiple), their counts and its end."""
    multiple = "anyOf" in document and "oneOf" not in document
    choices = [c for c in as_list(document.get("anyOf" if multiple else "oneOf")) if isinstance(c, Mapping)]
    options: list[str] = []
    votes: list[int] = []
    for choice in choices[:MAX_POLL_OPTIONS]:
        name = choice.get("name")
        if not isinstance(name, str) or not name.strip():
            continue
        replies = choice.get("replies")
        total = replies.get("totalItems") if isinstance(replies, Mapping) else None
        options.append(name.strip()[:200])
        votes.append(total if isinstance(total, int) and not isinstance(total, bool) and total >= 0 else 0)
    if len(options) < 1:
        return None
    voters = document.get("votersCount", document.get("toot:votersCount"))
    closed = document.get("closed")
    closed_at = parse_timestamp(closed) if isinstance(closed, str) else None
    if closed is True:
        closed_at = parse_timestamp(document.get("endTime")) or datetime.now(UTC)
    return ParsedPoll(
        options=options,
        votes=votes,
        multiple=multiple,
        voters_count=voters if isinstance(voters, int) and not isinstance(voters, bool) and voters >= 0 else 0,
        expires_at=parse_timestamp(document.get("endTime")),
        closed_at=closed_at,
    )
