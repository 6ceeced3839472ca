"""Posts deleted for good, by their id: remote ones so a late or replayed `Create` does not bring them back,
local public and unlisted ones so a fetch of their id answers 410 Gone with a `Tombstone`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from essaim.actors.models.base import Base, utcnow


class Tombstone(Base):
    __tablename__ = "tombstones"

    uri: Mapped[str] = mapped_column(String(2048), primary_key=True)  # the deleted post's id
    deleted_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Local posts: what the post was (`Note`, `Question`), for the Tombstone's `formerType`; None for remote ones.
    former_type: Mapped[str | None] = mapped_column(String(32), default=None)
