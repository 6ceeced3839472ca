"""Announcements: an administrator publishes or removes one (from the CLI); a person dismisses or reacts.

Reactions are Unicode emoji (Mastodon also takes the node's custom emoji; not offered yet), at most
`MAX_REACTIONS` different ones per person and announcement, as Mastodon's limit. Publishing and removing
reach live streams through the rows (essaim.actors.events); a reaction given or taken back is announced.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.events import ANNOUNCEMENT_REACTION, Event, announce
from essaim.actors.models import Account, Announcement, AnnouncementDismissal, AnnouncementReaction
from essaim.actors.models.base import utcnow
from essaim.actors.text import text_to_html
from essaim.outbox.actions import Invalid, NotFound, insert_ignoring_duplicates

MAX_REACTIONS = 8
MAX_TEXT = 10_000
# Code points that join or shape emoji without being pictures themselves: ZWJ, variation selectors,
# the keycap, and tag characters (subdivision flags).
_EMOJI_GLUE = {0x200D, 0xFE0E, 0xFE0F, 0x20E3, *range(0xE0020, 0xE0080)}
_KEYCAP_BASES = set("0123456789#*")


def is_unicode_emoji(name: str) -> bool:
    """One emoji as Mastodon's pickers send it: pictographs (So/Sk), glue, or a keycap sequence; ≤ 16 code points."""
    if not name or len(name) > 16:
        return False
    if name[0] in _KEYCAP_BASES:
        return name.rstrip("\ufe0f").endswith("\u20e3") and len(name) <= 3
    pictures = [c for c in name if ord(c) not in _EMOJI_GLUE]
    return bool(pictures) and all(unicodedata.category(c) in ("So", "Sk") for c in pictures)


def check_announcement(text: str, starts_at: datetime | None, ends_at: datetime | None) -> str:
    text = text.strip()
    if not text:
        raise Invalid("Text can't be blank")
    if len(text) > MAX_TEXT:
        raise Invalid(f"Text is too long (at most {MAX_TEXT} characters)")
    if (starts_at is None) != (ends_at is None):
        raise Invalid("An announcement needs both a start and an end, or neither")
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        raise Invalid("The end must come after the start")
    return text


async def do_add_announcement(
    session: AsyncSession, text: str, starts_at: datetime | None, ends_at: datetime | None, all_day: bool
) -> Announcement:
    text = check_announcement(text, starts_at, ends_at)
    announcement = Announcement(
        text=text, content=text_to_html(text), starts_at=starts_at, ends_at=ends_at, all_day=all_day
    )
    session.add(announcement)
    await session.flush()
    return announcement


async def do_remove_announcement(session: AsyncSession, announcement_id: int) -> None:
    found = await session.get(Announcement, announcement_id)
    if found is None:
        raise NotFound(f"No announcement {announcement_id}")
    await session.delete(found)  # through the session, so the removal is seen (and streamed)
    await session.flush()


def _reacted(session: AsyncSession, announcement: Announcement, name: str) -> None:
    """Tell live streams the emoji's count changed (they read the count when they deliver)."""
    announce(session, Event(ANNOUNCEMENT_REACTION, announcement.id, 0, name=name))


async def current_announcement(session: AsyncSession, announcement_id: int, now: datetime) -> Announcement:
    """An announcement people may see now (not ended); else NotFound."""
    found = await session.get(Announcement, announcement_id)
    if found is None or (found.ends_at is not None and found.ends_at <= now):
        raise NotFound()
    return found


async def do_dismiss(session: AsyncSession, account: Account, announcement: Announcement) -> None:
    await insert_ignoring_duplicates(
        session, AnnouncementDismissal, announcement_id=announcement.id, account_id=account.id
    )


async def do_react(session: AsyncSession, account: Account, announcement: Announcement, name: str) -> None:
    if not is_unicode_emoji(name):
        raise Invalid("Name is not a recognized emoji")
    mine = (AnnouncementReaction.announcement_id == announcement.id) & (AnnouncementReaction.account_id == account.id)
    if await session.get(AnnouncementReaction, (announcement.id, account.id, name)) is not None:
        return
    if (await session.scalar(select(func.count()).where(mine)) or 0) >= MAX_REACTIONS:
        raise Invalid(f"You cannot add more than {MAX_REACTIONS} reactions to one announcement")
    await insert_ignoring_duplicates(
        session,
        AnnouncementReaction,
        announcement_id=announcement.id,
        account_id=account.id,
        name=name,
        created_at=utcnow(),
    )
    _reacted(session, announcement, name)


async def do_unreact(session: AsyncSession, account: Account, announcement: Announcement, name: str) -> None:
    removed = await session.execute(
        delete(AnnouncementReaction).where(
            AnnouncementReaction.announcement_id == announcement.id,
            AnnouncementReaction.account_id == account.id,
            AnnouncementReaction.name == name,
        )
    )
    if removed.rowcount:  # type: ignore[attr-defined]
        _reacted(session, announcement, name)
