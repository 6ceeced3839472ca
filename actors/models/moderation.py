"""Moderation: personal blocks, node-wide domain blocks, and reports to this node's moderators.

A `Block` is one actor refusing another, on any node: a local person blocking someone, or a
peer's `Block` of a local person (then `actor_id` is the remote blocker). A `DomainBlock` is the
node's administrators refusing (`suspend`) or limiting (`silence`) a whole server. A `Report`
is a complaint about an account, filed by a local person or received as a peer's `Flag`.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from essaim.actors.models.base import Base, snowflake_pk, utcnow


class Block(Base):
    __tablename__ = "blocks"

    id: Mapped[int] = snowflake_pk()
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))  # who blocks
    target_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    uri: Mapped[str | None] = mapped_column(String(2048), unique=True, default=None)  # the Block activity's id
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("actor_id", "target_id"),)


class DomainBlockSeverity(enum.StrEnum):
    SILENCE = "silence"  # Mastodon's "limit": posts only for followers, kept off public timelines
    SUSPEND = "suspend"  # nothing in or out: refused at the inbox, no deliveries, no fetches


class DomainBlock(Base):
    __tablename__ = "domain_blocks"

    id: Mapped[int] = snowflake_pk()
    domain: Mapped[str] = mapped_column(String(255), unique=True)  # host or host:port, lower case
    severity: Mapped[str] = mapped_column(String(16))
    public_comment: Mapped[str] = mapped_column(Text, default="")  # the reason, as the CLI's --reason sets it
    private_comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReportCategory(enum.StrEnum):
    SPAM = "spam"
    LEGAL = "legal"
    VIOLATION = "violation"
    OTHER = "other"


class Report(Base):
    __tablename__ = "reports"

    id: Mapped[int] = snowflake_pk()
    # A local person, or the remote actor (usually its server's Application actor) that sent a Flag.
    reporter_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    status_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # posts of the target, as reported
    comment: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(16), default=ReportCategory.OTHER.value)
    forwarded: Mapped[bool] = mapped_column(default=False)  # a Flag went to the target's server
    uri: Mapped[str | None] = mapped_column(String(2048), default=None)  # the Flag's id, sent or received
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    action_taken_at: Mapped[datetime | None] = mapped_column(default=None)  # resolved by a moderator

    __table_args__ = (Index("ix_reports_action_taken_at_id", "action_taken_at", "id"),)
