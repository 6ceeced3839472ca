"""`StreamEvent`: a live-stream event written by a process without a stream bus, for the server to publish."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text
from sqlalchemy.orm import Mapped, mapped_column

from essaim.actors.models.base import Base, snowflake_pk, utcnow


class StreamEvent(Base):
    """One encoded `essaim.actors.events.Event`, committed with the change it tells of (see actors/stream_outbox.py)."""

    __tablename__ = "stream_events"

    id: Mapped[int] = snowflake_pk()  # time-ordered: the server publishes in this order
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
