"""Announcements: node-wide notices written by an administrator, which each person may dismiss or react to.

`starts_at`/`ends_at` describe the event announced (Mastodon shows them beside the text); an
announcement whose `ends_at` has passed is no longer listed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from essaim.actors.models.base import Base, snowflake_pk, utcnow


class Announcement(Base):
    __tablename__ = "announcements"

    id: Mapped[int] = snowflake_pk()
    text: Mapped[str] = mapped_column(Text)  # as the administrator typed it
    content: Mapped[str] = mapped_column(Text)  # its HTML
    starts_at: Mapped[datetime | None] = mapped_column(default=None)
    ends_at: Mapped[datetime | None] = mapped_column(default=None)
    all_day: Mapped[bool] = mapped_column(default=False)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AnnouncementDismissal(Base):
    """A person has read (dismissed) an announcement."""

    __tablename__ = "announcement_dismissals"

    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcements.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)


class AnnouncementReaction(Base):
    """One person's emoji reaction to an announcement (several different emoji each allowed)."""

    __tablename__ = "announcement_reactions"

    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcements.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
