"""Polls attached to posts, and who voted for what."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from essaim.actors.models.base import Base, snowflake_pk, utcnow


class Poll(Base):
    __tablename__ = "polls"

    id: Mapped[int] = snowflake_pk()
    status_id: Mapped[int] = mapped_column(ForeignKey("statuses.id", ondelete="CASCADE"), unique=True)
    options: Mapped[list[str]] = mapped_column(JSON)
    # Votes per option, kept beside the PollVote rows so rendering a timeline needs no count query.
    option_votes: Mapped[list[int]] = mapped_column(JSON)
    multiple: Mapped[bool] = mapped_column(default=False)
    hide_totals: Mapped[bool] = mapped_column(default=False)
    voters_count: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)  # set by the expiry job
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PollVote(Base):
    __tablename__ = "poll_votes"

    id: Mapped[int] = snowflake_pk()
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    choice: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("poll_id", "actor_id", "choice"),)
