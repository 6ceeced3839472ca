"""The delivery ledger: one row per (activity, target inbox), the health of each peer host, and gone inboxes.

Rows outlive the jobs that send them, so the author can be shown, per activity and host,
"delivered", "retrying since T: last error" or "given up" (essaim.outbox.delivery.ledger).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from essaim.actors.models.base import Base, snowflake_pk, utcnow


class DeliveryState(enum.StrEnum):
    QUEUED = "queued"
    DELIVERED = "delivered"
    RETRYING = "retrying"
    GAVE_UP = "gave_up"


class Delivery(Base):
    __tablename__ = "deliveries"

    id: Mapped[int] = snowflake_pk()
    activity_id: Mapped[str] = mapped_column(String(2048))  # the local activity's URI
    # The serialised activity, sent byte for byte on every attempt (a restart sends the same body).
    activity: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))  # the local signer
    inbox_url: Mapped[str] = mapped_column(String(2048))
    host: Mapped[str] = mapped_column(String(255))  # host[:port] of the inbox, lower-case
    # What the activity is about (a post, a favourite…): deliveries about one subject reach an
    # inbox in the order planned (essaim.outbox.ordering). NULL: no order to keep.
    subject_uri: Mapped[str | None] = mapped_column(String(2048), default=None, index=True)
    state: Mapped[str] = mapped_column(String(16), default=DeliveryState.QUEUED.value)
    # When the row entered its state; while retrying, the first failure.
    state_since: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)  # requests actually sent
    # NULL while queued: it waits for an earlier delivery about the same subject to settle.
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    last_status: Mapped[int | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)

    # By host: the admins' per-host counts, and bringing a host's waiting deliveries forward.
    __table_args__ = (UniqueConstraint("activity_id", "inbox_url"), Index("ix_deliveries_host_state", "host", "state"))


class HostHealth(Base):
    """How a peer host has answered lately: the circuit breaker and the "unreachable host" mark."""

    __tablename__ = "host_health"

    host: Mapped[str] = mapped_column(String(255), primary_key=True)
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    failing_since: Mapped[datetime | None] = mapped_column(default=None)
    # Circuit breaker: open (deliveries wait) until this moment.
    unavailable_until: Mapped[datetime | None] = mapped_column(default=None)
    # Failing for days without one success: new deliveries give up at once until the host is heard from.
    unreachable_since: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    last_failure_at: Mapped[datetime | None] = mapped_column(default=None)
    # When a delivery last went through; written at most once a minute (essaim.outbox.hosts.note_success).
    last_success_at: Mapped[datetime | None] = mapped_column(default=None)


class GoneInbox(Base):
    """An inbox that answered 410 Gone: its actor was deleted, so nothing more is sent there."""

    __tablename__ = "gone_inboxes"

    inbox_url: Mapped[str] = mapped_column(String(2048), primary_key=True)
    gone_at: Mapped[datetime] = mapped_column(default=utcnow)
