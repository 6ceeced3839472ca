"""Scheduled posts: what a person asked to publish later, kept until the scheduler's sweep posts it.

`params` holds the request as Mastodon's ScheduledStatus shows it (text, visibility, media ids, poll…);
the media it names point back here (`media_attachments.scheduled_status_id`) so the sweep of unattached
uploads keeps them and no other post takes them meanwhile.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from essaim.actors.models.base import Base, snowflake_pk, utcnow


class ScheduledStatus(Base):
    __tablename__ = "scheduled_statuses"

    id: Mapped[int] = snowflake_pk()
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    scheduled_at: Mapped[datetime] = mapped_column(index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    application_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("oauth_applications.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
