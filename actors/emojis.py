"""Custom emoji: finding the `:shortcode:`s a text uses, and the emoji they stand for on the author's server."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Actor, CustomEmoji, Poll, Status

SHORTCODE = re.compile(r"[a-zA-Z0-9_]{2,64}")
# Mastodon's rule: a shortcode between colons, not glued to letters, digits or other colons.
_IN_TEXT = re.compile(r"(?<![\w:]):([a-zA-Z0-9_]{2,64}):(?![\w:])")

EmojiKey = tuple[str | None, str]  # (domain, shortcode); domain None for this node's own


def shortcodes_in(*texts: str | None) -> set[str]:
    """The shortcodes written as `:name:` in these texts (HTML or plain)."""
    return {match for text in texts if text for match in _IN_TEXT.findall(text)}


def status_shortcodes(status: Status, poll: Poll | None) -> set[str]:
    """The shortcodes a post uses: in its text, content warning and poll options."""
    return shortcodes_in(status.content, status.spoiler_text, *(poll.options if poll else ()))


def profile_shortcodes(actor: Actor) -> set[str]:
    """The shortcodes a profile uses: in its display name, bio and fields (names and values), as Mastodon reads them."""
    fields = [str(item.get(part, "")) for item in actor.fields for part in ("name", "value")]
    return shortcodes_in(actor.display_name, actor.summary, *fields)


async def emojis_by_key(
    session: AsyncSession, wanted: Iterable[tuple[str | None, set[str]]]
) -> dict[EmojiKey, CustomEmoji]:
    """The emoji known for each (server, shortcodes) pair in `wanted` (a server may come again), in one query."""
    codes_by_domain: dict[str | None, set[str]] = defaultdict(set)
    for domain, codes in wanted:
        codes_by_domain[domain] |= codes
    conditions = [
        and_(
            CustomEmoji.domain.is_(None) if domain is None else CustomEmoji.domain == domain,
            CustomEmoji.shortcode.in_(codes),
        )
        for domain, codes in codes_by_domain.items()
        if codes
    ]
    if not conditions:
        return {}
    found = await session.scalars(select(CustomEmoji).where(or_(*conditions)))
    return {(emoji.domain, emoji.shortcode): emoji for emoji in found}


def used(emojis: Mapping[EmojiKey, CustomEmoji], domain: str | None, shortcodes: Iterable[str]) -> list[CustomEmoji]:
    """The emoji among `emojis` that a text of `domain`'s author uses, sorted by shortcode."""
    return [emojis[key] for code in sorted(set(shortcodes)) if (key := (domain, code)) in emojis]


async def local_emojis(session: AsyncSession) -> list[CustomEmoji]:
    """This node's own emoji, by shortcode (`/api/v1/custom_emojis`, the picker of apps)."""
    query = select(CustomEmoji).where(CustomEmoji.domain.is_(None)).order_by(CustomEmoji.shortcode)
    return list(await session.scalars(query))
