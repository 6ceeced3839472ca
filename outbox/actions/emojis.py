"""The node's own custom emoji: added from an image (re-encoded, size-capped) and removed, by shortcode.

Administrators manage them (`essaim emoji …`); every local post that writes `:shortcode:` then
shows the image in apps and carries an `Emoji` tag to peers.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.emojis import SHORTCODE
from essaim.actors.models import CustomEmoji
from essaim.actors.models.base import utcnow
from essaim.outbox import limits
from essaim.outbox.actions import Invalid, NotFound
from essaim.outbox.media_processing import MediaError, process_image, remove_file, save_file


async def local_emoji(session: AsyncSession, shortcode: str) -> CustomEmoji | None:
    query = select(CustomEmoji).where(CustomEmoji.domain.is_(None), CustomEmoji.shortcode == shortcode)
    return await session.scalar(query)


async def do_add_emoji(
    session: AsyncSession, media_dir: Path, shortcode: str, data: bytes, *, category: str | None = None
) -> CustomEmoji:
    """Add (or replace the image of) the node's emoji `shortcode`; Invalid for a bad name or image."""
    if not SHORTCODE.fullmatch(shortcode):
        raise Invalid("shortcode must be 2 to 64 letters, digits or underscores")
    if len(data) > limits.EMOJI_SIZE_LIMIT:
        raise Invalid(f"the image is larger than {limits.EMOJI_SIZE_LIMIT // 1024} KiB")
    try:
        image = await asyncio.to_thread(process_image, data)
    except MediaError as error:
        raise Invalid(error.message) from None
    file_name = await asyncio.to_thread(save_file, media_dir, image.data, image.extension)
    emoji = await local_emoji(session, shortcode)
    if emoji is None:
        emoji = CustomEmoji(shortcode=shortcode)
        session.add(emoji)
    elif emoji.file_name:
        remove_file(media_dir, emoji.file_name)
    emoji.file_name, emoji.mime_type, emoji.updated_at = file_name, image.mime_type, utcnow()
    emoji.category = category or emoji.category
    await session.flush()
    return emoji


async def do_remove_emoji(session: AsyncSession, media_dir: Path, shortcode: str) -> None:
    emoji = await local_emoji(session, shortcode)
    if emoji is None:
        raise NotFound(f"no emoji :{shortcode}: on this node")
    await session.delete(emoji)
    if emoji.file_name:
        remove_file(media_dir, emoji.file_name)
