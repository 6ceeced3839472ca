"""A person's notification policy, their notification requests and the senders they let through.

The policy says, per kind of sender, whether notifications are accepted, filtered (kept out of the
lists, gathered in a `NotificationRequest` per sender) or dropped (never stored). A person without
a row has the defaults. Accepting a request, or following its sender, stores a
`NotificationPermission`: that sender's notifications are never filtered again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from essaim.actors.models.base import Base, snowflake_pk, utcnow


class NotificationPolicy(Base):
    """A person's notification policy once they change it, starting from actors.notification_policy.DEFAULTS."""

    __tablename__ = "notification_policies"

    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True)
    for_not_following: Mapped[str] = mapped_column(String(8))
    for_not_followers: Mapped[str] = mapped_column(String(8))
    for_new_accounts: Mapped[str] = mapped_column(String(8))
    for_private_mentions: Mapped[str] = mapped_column(String(8))
    for_limited_accounts: Mapped[str] = mapped_column(String(8))


class NotificationRequest(Base):
    """Filtered notifications from one sender to one recipient, waiting to be accepted or dismissed."""

    __tablename__ = "notification_requests"

    id: Mapped[int] = snowflake_pk()
    recipient_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    from_actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("recipient_id", "from_actor_id"),)


class NotificationPermission(Base):
    """The recipient lets this sender's notifications through whatever the policy says."""

    __tablename__ = "notification_permissions"

    recipient_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True)
    from_actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
