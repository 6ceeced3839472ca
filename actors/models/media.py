"""Media files on disk under `media.dir`: uploads (attached to at most one post) and peers' cached profile images."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from essaim.actors.models.base import Base, snowflake_pk, utcnow


class MediaAttachment(Base):
    __tablename__ = "media_attachments"

    id: Mapped[int] = snowflake_pk()
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    status_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("statuses.id", ondelete="SET NULL"), default=None, index=True
    )
    # Held by a post scheduled for later (actors/models/scheduled.py): kept by the sweep, taken by no other post.
    scheduled_status_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("scheduled_statuses.id", ondelete="SET NULL"), default=None, index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    type: Mapped[str] = mapped_column(String(16), default="image")  # image | gifv | video | audio | unknown
    state: Mapped[str] = mapped_column(String(16), default="processing")  # processing | ready | failed
    mime_type: Mapped[str] = mapped_column(String(100), default="")
    file_name: Mapped[str | None] = mapped_column(String(255), default=None)  # relative to media.dir
    preview_file_name: Mapped[str | None] = mapped_column(String(255), default=None)
    remote_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    width: Mapped[int | None] = mapped_column(default=None)
    height: Mapped[int | None] = mapped_column(default=None)
    size: Mapped[int | None] = mapped_column(default=None)
    description: Mapped[str] = mapped_column(Text, default="")
    focus_x: Mapped[float] = mapped_column(default=0.0)
    focus_y: Mapped[float] = mapped_column(default=0.0)
    blurhash: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RemoteImage(Base):
    """A peer's avatar, header or emoji image, cached on its first view (inbox/remote_media.py).

    Keyed by its URL, not by who shows it: the peers' avatars and emoji named by many rows are
    fetched once. No row points here; the hourly sweep removes an image no actor or emoji names.
    """

    __tablename__ = "remote_images"

    id: Mapped[int] = snowflake_pk()
    url_digest: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of remote_url, hex
    remote_url: Mapped[str] = mapped_column(String(2048))
    state: Mapped[str] = mapped_column(String(16), default="processing")  # processing | ready | failed
    mime_type: Mapped[str] = mapped_column(String(100), default="")
    file_name: Mapped[str | None] = mapped_column(String(255), default=None)  # relative to media.dir
    preview_file_name: Mapped[str | None] = mapped_column(String(255), default=None)
    width: Mapped[int | None] = mapped_column(default=None)
    height: Mapped[int | None] = mapped_column(default=None)
    size: Mapped[int | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
