"""Custom emoji: this node's own (an image under `media.dir`) and peers' (their image URL), by shortcode.

Posts do not link to emoji rows: as Mastodon does, the `:shortcode:`s in a post's text are looked
up among the emoji of the author's server when the post is shown, so edits need no bookkeeping.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from essaim.actors.models.base import Base, snowflake_pk, utcnow


class CustomEmoji(Base):
    __tablename__ = "custom_emojis"
    __table_args__ = (Index("ix_custom_emojis_domain_shortcode", "domain", "shortcode", unique=True),)

    id: Mapped[int] = snowflake_pk()
    shortcode: Mapped[str] = mapped_column(String(64))  # without the colons
    domain: Mapped[str | None] = mapped_column(String(255), default=None)  # None: this node's own
    uri: Mapped[str | None] = mapped_column(String(2048), default=None)  # a peer's `Emoji` id
    image_url: Mapped[str | None] = mapped_column(String(2048), default=None)  # a peer's image
    file_name: Mapped[str | None] = mapped_column(String(255), default=None)  # ours, relative to media.dir
    mime_type: Mapped[str] = mapped_column(String(100), default="image/png")
    category: Mapped[str | None] = mapped_column(String(64), default=None)
    visible_in_picker: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
