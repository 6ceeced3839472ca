"""Posts ("statuses" in the Mastodon API, `Note` in ActivityPub), local or remote."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from essaim.actors.models.base import Base, snowflake_pk, utcnow


class Visibility(enum.StrEnum):
    PUBLIC = "public"
    UNLISTED = "unlisted"
    PRIVATE = "private"  # followers only
    DIRECT = "direct"  # mentioned actors only


class Status(Base):
    __tablename__ = "statuses"

    id: Mapped[int] = snowflake_pk()
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    uri: Mapped[str] = mapped_column(String(2048), unique=True)
    url: Mapped[str | None] = mapped_column(String(2048), default=None)
    visibility: Mapped[str] = mapped_column(String(16), default=Visibility.PUBLIC.value)
    content: Mapped[str] = mapped_column(Text, default="")  # sanitised HTML
    source_text: Mapped[str | None] = mapped_column(Text, default=None)  # local posts: what the author typed
    spoiler_text: Mapped[str] = mapped_column(Text, default="")
    sensitive: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str | None] = mapped_column(String(35), default=None)
    in_reply_to_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("statuses.id", ondelete="SET NULL"), default=None
    )
    published: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(default=None)

    __table_args__ = (Index("ix_statuses_actor_id_id", "actor_id", "id"),)
