"""A person uploads and describes media: image files under `media.dir`, one media_attachments row each.

The files are written before the row (image work must not hold the database's write lock),
so `stored_image` removes them again when the block writing the row fails: a refused or
failed upload leaves nothing on disk. Attaching media to a post is the job of the status
actions, which set `status_id` and `position`.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import ColumnElement, delete, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Actor, CustomEmoji, MediaAttachment, RemoteImage
from essaim.outbox import limits
from essaim.outbox.media_processing import MediaError, ProcessedImage, process_image, remove_file, save_file

# An upload no post holds (never posted, or its post deleted) waits this long to be posted or redrafted.
UNATTACHED_KEPT_FOR = timedelta(days=1)
SWEEP_BATCH = 1000


@dataclass(frozen=True)
class MediaDetails:
    """A checked description and focal point; None leaves the current value as it is."""

    description: str | None = None
    focus: tuple[float, float] | None = None


@dataclass(frozen=True)
class StoredImage:
    """A processed upload whose files are on disk (names relative to `media.dir`)."""

    image: ProcessedImage
    file_name: str
    preview_file_name: str


def check_media_details(description: str | None, focus: str | None) -> MediaDetails:
    """Refuse a description over the limit or a focus that is not "x,y" within [-1, 1] (MediaError)."""
    if description is not None and len(description) > limits.MEDIA_DESCRIPTION_LIMIT:
        raise MediaError(f"description is too long (at most {limits.MEDIA_DESCRIPTION_LIMIT} characters)")
    return MediaDetails(description, parse_focus(focus) if focus is not None and focus.strip() else None)


def parse_focus(text: str) -> tuple[float, float]:
    """Mastodon's focal point "x,y": the image centre is 0,0, edges are -1 and 1 (y grows upwards)."""
    try:
        x, y = (float(part) for part in text.split(","))
    except ValueError:
        raise MediaError('focus must be two numbers between -1 and 1, as "x,y"') from None
    if not all(math.isfinite(value) and -1.0 <= value <= 1.0 for value in (x, y)):
        raise MediaError('focus must be two numbers between -1 and 1, as "x,y"')
    return x, y


@asynccontextmanager
async def stored_image(media_dir: Path, data: bytes) -> AsyncIterator[StoredImage]:
    """Process `data` and write its files (worker threads); removed again if the `async with` block fails.

    Raises MediaError, before anything is written, for anything that is not an acceptable image.
    """
    image = await asyncio.to_thread(process_image, data)
    file_name = await asyncio.to_thread(save_file, media_dir, image.data, image.extension)
    try:
        preview_file_name = await asyncio.to_thread(save_file, media_dir, image.preview, image.extension)
    except BaseException:
        remove_file(media_dir, file_name)
        raise
    try:
        yield StoredImage(image, file_name, preview_file_name)
    except BaseException:
        remove_file(media_dir, file_name)  # a quick unlink: no thread, so it also runs when cancelled
        remove_file(media_dir, preview_file_name)
        raise


async def do_create_media(
    session: AsyncSession, actor_id: int, stored: StoredImage, details: MediaDetails
) -> MediaAttachment:
    """The row for an upload, ready to be attached to a post by its owner."""
    image = stored.image
    focus_x, focus_y = details.focus or (0.0, 0.0)
    media = MediaAttachment(
        actor_id=actor_id,
        type="image",
        state="ready",
        mime_type=image.mime_type,
        file_name=stored.file_name,
        preview_file_name=stored.preview_file_name,
        width=image.width,
        height=image.height,
        size=len(image.data),
        description=details.description or "",
        focus_x=focus_x,
        focus_y=focus_y,
        blurhash=image.blurhash,
    )
    session.add(media)
    await session.flush()
    return media


def do_update_media(media: MediaAttachment, details: MediaDetails) -> None:
    """Change the description and/or focal point (the owner may, attached or not)."""
    if details.description is not None:
        media.description = details.description
    if details.focus is not None:
        media.focus_x, media.focus_y = details.focus


async def own_media(session: AsyncSession, actor_id: int, media_id: int) -> MediaAttachment | None:
    """The media attachment `media_id` if `actor_id` uploaded it: nobody else may read or change it here."""
    return await session.scalar(
        select(MediaAttachment).where(MediaAttachment.id == media_id, MediaAttachment.actor_id == actor_id)
    )


async def detach_media(session: AsyncSession, which: ColumnElement[bool]) -> None:
    """Posts no longer hold these media (`which`: a condition on MediaAttachment); the sweep removes them later."""
    await session.execute(update(MediaAttachment).where(which).values(status_id=None))


async def forget_unattached_media(session: AsyncSession, now: datetime) -> list[str]:
    """Remove rows no post (published or scheduled) holds: peers' media at once, uploads after
    UNATTACHED_KEPT_FOR (as Mastodon).

    Returns the files to remove (relative to `media.dir`): the caller unlinks them once this commits.
    """
    unattached = MediaAttachment.status_id.is_(None) & MediaAttachment.scheduled_status_id.is_(None)
    stale = or_(MediaAttachment.remote_url.is_not(None), MediaAttachment.created_at < now - UNATTACHED_KEPT_FOR)
    rows = (
        await session.execute(
            select(MediaAttachment.id, MediaAttachment.file_name, MediaAttachment.preview_file_name)
            .where(unattached, stale)
            .limit(SWEEP_BATCH)
        )
    ).all()
    if rows:
        await session.execute(delete(MediaAttachment).where(MediaAttachment.id.in_([row.id for row in rows])))
    return [name for row in rows for name in (row.file_name, row.preview_file_name) if name]


async def forget_unshown_images(session: AsyncSession) -> list[str]:
    """Remove peers' cached profile and emoji images that no remote actor or emoji names any more
    (an avatar replaced by Update{Person}, a deleted actor); returns their files, as above."""
    url = RemoteImage.remote_url
    profile = or_(Actor.avatar_url == url, Actor.header_url == url)
    shown = or_(
        exists().where(Actor.domain.is_not(None), profile),
        exists().where(CustomEmoji.domain.is_not(None), CustomEmoji.image_url == url),
    )
    query = select(RemoteImage.id, RemoteImage.file_name, RemoteImage.preview_file_name).where(~shown)
    rows = (await session.execute(query.limit(SWEEP_BATCH))).all()
    if rows:
        await session.execute(delete(RemoteImage).where(RemoteImage.id.in_([row.id for row in rows])))
    return [name for row in rows for name in (row.file_name, row.preview_file_name) if name]
