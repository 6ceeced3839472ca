"""Values every parser of peers' documents reads the same way: links, timestamps and `Emoji` tags.

Posts and actor documents both carry `Emoji` tags (Mastodon puts those of a display name and
bio on the actor), so both read them here, with one set of rules: an http(s) image, a
shortcode as this node's own (actors/emojis.py), at most MAX_EMOJIS, one tag per shortcode.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from essaim.federation.keys import url_authority
from essaim.federation.vocab import as_list

MAX_URL_CHARS = 2048
MAX_EMOJIS = 50
_EMOJI_NAME = re.compile(r"^:?([a-zA-Z0-9_]{2,64}):?$")


@dataclass(frozen=True)
class ParsedEmoji:
    """A custom emoji a text writes as `:shortcode:` (an `Emoji` tag): its image on the peer."""

    shortcode: str
    url: str
    uri: str | None
    updated: datetime | None


def link(value: Any) -> str | None:
    """A `url`: a string or `Link`s, the text/html one preferred; http(s) only, MAX_URL_CHARS at most."""
    candidates: list[tuple[str, Any]] = []
    for item in as_list(value):
        if isinstance(item, str):
            candidates.append((item, None))
        elif isinstance(item, Mapping) and isinstance(item.get("href"), str):
            candidates.append((item["href"], item.get("mediaType")))
    usable = [(h, t) for h, t in candidates if len(h) <= MAX_URL_CHARS and url_authority(h) is not None]
    preferred = next((h for h, t in usable if t == "text/html"), None)
    return preferred or (usable[0][0] if usable else None)


def parse_timestamp(value: Any) -> datetime | None:
    """An xsd:dateTime, as an aware UTC datetime; None when absent or unreadable."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).astimezone(UTC)


def parse_emojis(tags: Any) -> list[ParsedEmoji]:
    """The `Emoji` tags (`name` `:shortcode:`, `icon.url` http(s)), at most MAX_EMOJIS, one per shortcode."""
    found: dict[str, ParsedEmoji] = {}
    for tag in as_list(tags):
        if not isinstance(tag, Mapping) or tag.get("type") != "Emoji" or len(found) == MAX_EMOJIS:
            continue
        name = tag.get("name")
        match = _EMOJI_NAME.match(name) if isinstance(name, str) else None
        icon = next((i for i in as_list(tag.get("icon")) if isinstance(i, Mapping)), None)
        url = link(icon.get("url")) if icon is not None else None
        if match is None or url is None:
            continue
        uri = tag.get("id")
        uri = uri if isinstance(uri, str) and url_authority(uri) is not None and len(uri) <= MAX_URL_CHARS else None
        found.setdefault(match[1], ParsedEmoji(match[1], url, uri, parse_timestamp(tag.get("updated"))))
    return list(found.values())
