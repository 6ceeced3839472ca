"""Follow suggestions a person turned down (`DELETE /api/v1/suggestions/:account_id`): never suggested again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from essaim.actors.models.base import Base, utcnow


class SuggestionDismissal(Base):
    __tablename__ = "suggestion_dismissals"

    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
