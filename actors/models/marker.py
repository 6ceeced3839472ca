"""Read positions (Mastodon's markers): where a person stopped reading home or notifications, shared by their apps."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from essaim.actors.models.base import Base, utcnow


class Marker(Base):
    __tablename__ = "markers"

    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True)
    timeline: Mapped[str] = mapped_column(String(16), primary_key=True)  # "home" or "notifications"
    last_read_id: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(default=0)  # bumped on every save, so apps can spot a lost race
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
