"""Notifications: what happened to someone, by whom, about which post; `filtered` ones wait in a request."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from essaim.actors.models.base import Base, snowflake_pk, utcnow


class NotificationType(enum.StrEnum):
    MENTION = "mention"
    STATUS = "status"
    REBLOG = "reblog"
    FOLLOW = "follow"
    FOLLOW_REQUEST = "follow_request"
    FAVOURITE = "favourite"
    POLL = "poll"
    UPDATE = "update"
    MOVE = "move"  # someone the recipient followed moved, and the follow went to their new account
    COMMUNITY_ENDING = "essaim.community_ending"  # from a project community to its owners (apps skip unknown types)


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[int] = snowflake_pk()
    recipient_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    from_actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(32))
    status_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("statuses.id", ondelete="CASCADE"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    filtered: Mapped[bool] = mapped_column(default=False)  # held back by the recipient's policy (a request)

    __table_args__ = (Index("ix_notifications_recipient_id_id", "recipient_id", "id"),)
