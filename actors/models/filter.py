"""Keyword filters (Mastodon's v2 filters): what a person asked not to see, or to see behind a warning.

A filter names the places it applies (`contexts`), what it does (`action`: warn or hide) and
when it stops; it matches through its keywords and the posts added to it one by one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from essaim.actors.models.base import Base, snowflake_pk, utcnow


class Filter(Base):
    __tablename__ = "filters"

    id: Mapped[int] = snowflake_pk()
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(256))
    contexts: Mapped[list[str]] = mapped_column(JSON)  # home, notifications, public, thread, account
    action: Mapped[str] = mapped_column(String(8), default="warn")  # "warn" or "hide"
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FilterKeyword(Base):
    __tablename__ = "filter_keywords"

    id: Mapped[int] = snowflake_pk()
    filter_id: Mapped[int] = mapped_column(ForeignKey("filters.id", ondelete="CASCADE"), index=True)
    keyword: Mapped[str] = mapped_column(String(512))
    whole_word: Mapped[bool] = mapped_column(default=True)


class FilterStatus(Base):
    __tablename__ = "filter_statuses"
    __table_args__ = (UniqueConstraint("filter_id", "status_id"),)

    id: Mapped[int] = snowflake_pk()
    filter_id: Mapped[int] = mapped_column(ForeignKey("filters.id", ondelete="CASCADE"))
    status_id: Mapped[int] = mapped_column(ForeignKey("statuses.id", ondelete="CASCADE"), index=True)
