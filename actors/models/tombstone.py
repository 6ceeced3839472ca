"""Remote posts deleted by their authors: remembered so a late or replayed `Create` does not bring them back."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from essaim.actors.models.base import Base, utcnow


class Tombstone(Base):
    __tablename__ = "tombstones"

    uri: Mapped[str] = mapped_column(String(2048), primary_key=True)  # the deleted post's id
    deleted_at: Mapped[datetime] = mapped_column(default=utcnow)
