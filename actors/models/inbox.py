"""Activities already received, by id: a peer's retry or a replayed request is acknowledged, not applied twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from essaim.actors.models.base import Base, utcnow


class InboxItem(Base):
    __tablename__ = "inbox_items"

    activity_id: Mapped[str] = mapped_column(String(2048), primary_key=True)
    # Old rows are swept: a signature is refused 13 hours after it was made, so a replay of a request
    # that old fails before the dedupe check; the record only has to outlive a peer's retries.
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
