"""Peers' custom emoji, remembered per server from the `Emoji` tags of their posts.

A later tag with another image (or a newer `updated`) replaces the image, as Mastodon does; the
emoji of a server are its own, so one peer can never change how another peer's emoji look.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import CustomEmoji
from essaim.federation.parse_common import ParsedEmoji


async def remember_emojis(session: AsyncSession, domain: str, emojis: Sequence[ParsedEmoji], now: datetime) -> None:
    if not emojis:
        return
    codes = {e.shortcode for e in emojis}
    query = select(CustomEmoji).where(CustomEmoji.domain == domain, CustomEmoji.shortcode.in_(codes))
    known = {emoji.shortcode: emoji for emoji in await session.scalars(query)}
    for parsed in emojis:
        emoji = known.get(parsed.shortcode)
        if emoji is None:
            session.add(
                CustomEmoji(
                    shortcode=parsed.shortcode,
                    domain=domain,
                    uri=parsed.uri,
                    image_url=parsed.url,
                    mime_type="",
                    visible_in_picker=False,
                    created_at=now,
                    updated_at=parsed.updated or now,
                )
            )
        elif emoji.image_url != parsed.url:
            emoji.image_url, emoji.uri, emoji.updated_at = parsed.url, parsed.uri or emoji.uri, parsed.updated or now
    await session.flush()
